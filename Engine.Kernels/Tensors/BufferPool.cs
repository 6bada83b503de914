using ILGPU;
using ILGPU.Runtime;

namespace TorchEbm;

/// <summary>
/// Freed CPU-accelerator buffers kept by length for the next tensor of that length: a tape makes and frees the same
/// intermediates every iteration, and a fresh buffer costs managed ILGPU objects, an unmanaged allocation and, for large
/// ones, page faults on first touch (measured as the largest single cost of a score-matching iteration on the CPU).
/// </summary>
/// <remarks>
/// Holds at most <see cref="MaxPooledBytes"/>: a returned buffer that would pass it first frees pooled buffers of the
/// largest lengths (so one large tensor freed long ago does not switch pooling off), and an allocation that fails frees the
/// pool and tries once more. A rented buffer holds whatever its last tensor left in it (<see cref="Device.Allocate"/> is
/// documented uninitialised). Only the CPU accelerator pools: a launch there has finished when it returns, so nothing
/// queued can still use a freed buffer, while on a GPU a freed buffer can still be in use by queued kernels.
/// </remarks>
internal sealed class BufferPool
{
    /// <summary>The most memory the pool keeps while no tensor uses it.</summary>
    public const long MaxPooledBytes = 256L << 20;

    private readonly Dictionary<int, Stack<MemoryBuffer1D<float, Stride1D.Dense>>> _free = new();
    private long _pooledBytes;

    /// <summary>Bytes held for reuse now (tests).</summary>
    public long PooledBytes { get { lock (_free) return _pooledBytes; } }

    /// <summary>A buffer of <paramref name="length"/> floats: a pooled one if there is one, else a new one.</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Rent(Accelerator accelerator, int length)
    {
        lock (_free)
        {
            if (_free.TryGetValue(length, out var stack) && stack.TryPop(out var buffer))
            {
                _pooledBytes -= (long)length * sizeof(float);
                return buffer;
            }
        }
        try { return accelerator.Allocate1D<float>(length); }
        catch (Exception) when (PooledBytes > 0)
        {
            Clear(); // the memory may be held here: free it and try once more
            return accelerator.Allocate1D<float>(length);
        }
    }

    /// <summary>Keeps <paramref name="buffer"/> for reuse, freeing pooled buffers of the largest lengths to make room, or frees
    /// it when it alone passes the limit.</summary>
    public void Return(MemoryBuffer1D<float, Stride1D.Dense> buffer)
    {
        long bytes = buffer.LengthInBytes;
        if (bytes > MaxPooledBytes)
        {
            buffer.Dispose();
            return;
        }
        List<MemoryBuffer1D<float, Stride1D.Dense>>? evicted = null;
        lock (_free)
        {
            while (_pooledBytes + bytes > MaxPooledBytes)
            {
                int largest = _free.Keys.Max();
                Stack<MemoryBuffer1D<float, Stride1D.Dense>> stack = _free[largest];
                (evicted ??= []).Add(stack.Pop());
                _pooledBytes -= (long)largest * sizeof(float);
                if (stack.Count == 0) _free.Remove(largest);
            }
            if (!_free.TryGetValue((int)buffer.Length, out var own)) _free.Add((int)buffer.Length, own = new Stack<MemoryBuffer1D<float, Stride1D.Dense>>());
            own.Push(buffer);
            _pooledBytes += bytes;
        }
        evicted?.ForEach(b => b.Dispose());
    }

    /// <summary>Frees every pooled buffer.</summary>
    public void Clear()
    {
        lock (_free)
        {
            foreach (var stack in _free.Values)
                while (stack.TryPop(out var buffer)) buffer.Dispose();
            _free.Clear();
            _pooledBytes = 0;
        }
    }
}

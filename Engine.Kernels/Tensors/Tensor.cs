using ILGPU;
using ILGPU.Runtime;

namespace TorchEbm;

/// <summary>
/// A float32, row-major, rank 1-3 array in a <see cref="Device"/>'s memory. The tensor owns its memory:
/// dispose it (or its device) to free it. NaN and infinity are allowed; the APIs that consume a tensor check
/// its values where they must.
/// </summary>
public sealed class Tensor : IDisposable
{
    private readonly int[] _shape;
    private MemoryBuffer1D<float, Stride1D.Dense>? _buffer;

    internal Tensor(Device device, int[] shape, int length)
    {
        Device = device;
        _shape = shape;
        Length = length;
        _buffer = device.Pool is BufferPool pool ? pool.Rent(device.Accelerator, length) : device.Accelerator.Allocate1D<float>(length);
        Interlocked.Increment(ref device.LiveTensorCount);
        DisposeScope.Adopt(this);
    }

    /// <summary>The device whose memory holds this tensor.</summary>
    public Device Device { get; }

    /// <summary>The shape, outermost dimension first; a copy, so callers cannot change it.</summary>
    public int[] Shape => (int[])_shape.Clone();

    /// <summary>The shape array itself, for engine code that only reads it (no copy; never to be changed or handed out).</summary>
    internal int[] SharedShape => _shape;

    /// <summary>Number of dimensions (1 to 3).</summary>
    public int Rank => _shape.Length;

    /// <summary>Number of elements: the product of <see cref="Shape"/>.</summary>
    public int Length { get; }

    /// <summary>Whether <see cref="Dispose"/> (or the device's) has run.</summary>
    public bool IsDisposed => _buffer is null || Device.IsDisposed;

    /// <summary>Size of dimension <paramref name="axis"/>.</summary>
    public int Dim(int axis)
    {
        if ((uint)axis >= (uint)_shape.Length)
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"Tensor of shape {Check.Format(_shape)} has no axis {axis}.");
        return _shape[axis];
    }

    /// <summary>The device memory as a flat view, for kernel launches.</summary>
    /// <exception cref="ObjectDisposedException">The tensor or its device was disposed.</exception>
    public ArrayView<float> View => Buffer.View;

    private MemoryBuffer1D<float, Stride1D.Dense> Buffer
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            return _buffer!;
        }
    }

    /// <summary>Copies the elements to a new host array in row-major order (waits for queued work).</summary>
    public float[] ToArray()
    {
        var host = new float[Length];
        CopyTo(host);
        return host;
    }

    /// <summary>Copies the elements, row-major, into the first <see cref="Length"/> elements of <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="Length"/>.</exception>
    /// <exception cref="ObjectDisposedException">The tensor or its device was disposed.</exception>
    public void CopyTo(Span<float> destination)
    {
        if (destination.Length < Length)
            throw new ArgumentException(
                $"destination has {destination.Length} elements but the tensor of shape {Check.Format(_shape)} has {Length}.", nameof(destination));
        View.CopyToCPU(destination[..Length]);
    }

    /// <summary>A copy of this tensor on <paramref name="device"/> (through host memory when the devices differ).</summary>
    /// <exception cref="ObjectDisposedException">The tensor, its device or <paramref name="device"/> was disposed.</exception>
    public Tensor To(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        device.ThrowIfDisposed();
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return ReferenceEquals(device, Device) ? Clone() : device.FromArray(ToArray(), _shape);
    }

    /// <summary>Copies a rank-2 tensor to a new host matrix.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not rank 2.</exception>
    public float[,] ToArray2D()
    {
        if (Rank != 2)
            throw new InvalidOperationException($"ToArray2D needs a rank-2 tensor, this one has shape {Check.Format(_shape)}.");
        float[] flat = ToArray();
        var host = new float[_shape[0], _shape[1]];
        System.Buffer.BlockCopy(flat, 0, host, 0, flat.Length * sizeof(float));
        return host;
    }

    /// <summary>Copies a rank-3 tensor (a trajectory: kept, chains, dimensions) to a new host array.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not rank 3.</exception>
    public float[,,] ToArray3D()
    {
        if (Rank != 3)
            throw new InvalidOperationException($"ToArray3D needs a rank-3 tensor, this one has shape {Check.Format(_shape)}.");
        float[] flat = ToArray();
        var host = new float[_shape[0], _shape[1], _shape[2]];
        System.Buffer.BlockCopy(flat, 0, host, 0, flat.Length * sizeof(float));
        return host;
    }

    /// <summary>A new tensor with the same shape and a copy of the elements, on the same device.</summary>
    public Tensor Clone() => Reshape(_shape);

    /// <summary>A copy of this tensor with another shape of the same length (row-major order is kept).</summary>
    /// <exception cref="ArgumentException">The new shape is invalid or holds a different number of elements.</exception>
    public Tensor Reshape(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ObjectDisposedException.ThrowIf(IsDisposed, this); // before allocating the copy
        int length = Check.ShapeLength(shape, nameof(shape));
        if (length != Length)
            throw new ArgumentException(
                $"Cannot reshape a tensor of shape {Check.Format(_shape)} ({Length} elements) to {Check.Format(shape)} ({length} elements).",
                nameof(shape));
        var copy = new Tensor(Device, (int[])shape.Clone(), Length);
        copy.Buffer.View.CopyFrom(Buffer.View);
        return copy;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Shows the values as PyTorch prints them, with at most three leading and three trailing entries along each axis
    /// (only those are copied from the device), then the shape and the device. A disposed tensor shows no values.
    /// </remarks>
    public override string ToString() => TensorFormat.Format(this);

    /// <summary>Frees the device memory. Safe to call twice, and after the device was disposed.</summary>
    public void Dispose()
    {
        MemoryBuffer1D<float, Stride1D.Dense>? buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is null) return;
        Interlocked.Decrement(ref Device.LiveTensorCount);
        if (Device.IsDisposed) return; // the accelerator freed every buffer
        if (Device.Pool is BufferPool pool) pool.Return(buffer);
        else buffer.Dispose();
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;

namespace TorchEbm;

/// <summary>
/// The host memory behind a view of a CPU-accelerator buffer, for host code that works on device data in place
/// (the CPU-native matrix product).
/// </summary>
/// <remarks>
/// No synchronisation is needed before reading: ILGPU 1.5.3's CPU accelerator runs a launch to completion before
/// returning to the launching thread (<c>CPUAccelerator.Launch</c> waits on a barrier for every multiprocessor;
/// <c>CPUStream.Synchronize</c> is a no-op), and its copies are plain memory copies on the calling thread.
/// </remarks>
internal static class HostMemory
{
    /// <summary>The elements of <paramref name="view"/> as a span over the same memory (no copy).</summary>
    /// <exception cref="ArgumentException">The view is not in CPU-accelerator memory.</exception>
    // Optimised at once: host SIMD loops call it per evaluation (a Gaussian's mean and precision), and at tier 0 it
    // doubled the time of a sampler's first runs.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Span<float> Of(ArrayView<float> view)
    {
        if (view.Length == 0) return Span<float>.Empty;
        // ILGPU's host indexer Trace.Asserts (kills the process) on a GPU buffer: refuse it first.
        if (BufferOf(view).AcceleratorType != AcceleratorType.CPU)
            throw new ArgumentException("Host access needs a view of CPU-accelerator memory.", nameof(view));
        // Safe: a CPU-accelerator buffer is unmanaged memory (Marshal.AllocHGlobal) that never moves; view[0] is the
        // view's first element (ILGPU adds the view's offset into its buffer) and the span ends at the view's end.
        // The memory lives as long as the buffer: callers keep the owning tensor alive while they use the span.
        return MemoryMarshal.CreateSpan(ref view[0], checked((int)view.Length));
    }

    /// <summary>
    /// Keeps the buffer behind <paramref name="view"/> reachable until this call: host code that took a span of it calls
    /// this after its last use of the span (a span does not keep the buffer, and so its memory, alive).
    /// </summary>
    public static void KeepAlive(ArrayView<float> view) => GC.KeepAlive(view.Length == 0 ? null : BufferOf(view));

    // ArrayView implements IArrayView.Buffer explicitly; a constrained generic call reads it without boxing.
    private static MemoryBuffer BufferOf<TView>(TView view) where TView : struct, IArrayView => view.Buffer;
}

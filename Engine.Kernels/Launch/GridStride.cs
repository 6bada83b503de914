using ILGPU.Runtime;
using ILGPU;

namespace TorchEbm.Launch;

/// <summary>
/// Chooses the launch grid for a grid-stride kernel on a given accelerator. Every kernel of this engine is an
/// explicitly grouped grid-stride loop launched through <see cref="Device.Launch{T1}"/>, which asks this class
/// for its grid.
/// </summary>
/// <remarks>
/// <para>On a GPU: 256 threads per group, enough groups to fill every multiprocessor, and never more groups than
/// the work needs.</para>
/// <para>On ILGPU's CPU accelerator every simulated thread is an OS thread synchronised at each group barrier,
/// so the grid is exactly one group per simulated multiprocessor with as many threads as a group allows.
/// One thread per element there was measured ~1800x slower than a plain loop (DESIGN.md).</para>
/// <para>CPU accelerator layout (threads per warp, warps per multiprocessor, multiprocessors): measured with
/// <c>dotnet run -c Release --project Engine.Bench -- cpu-layout</c> on the 2-core CI machine; see
/// <see cref="CpuLayout"/> for the figures and the default this engine picks.</para>
/// </remarks>
public static class GridStride
{
    /// <summary>Threads per group on a GPU.</summary>
    public const int GpuGroupSize = 256;

    /// <summary>The grid for <paramref name="workItems"/> independent items of work on <paramref name="accelerator"/>.</summary>
    public static KernelConfig For(Accelerator accelerator, long workItems)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentOutOfRangeException.ThrowIfNegative(workItems);
        long items = Math.Max(1, workItems);

        if (accelerator.AcceleratorType == AcceleratorType.CPU)
        {
            int groupSize = accelerator.MaxNumThreadsPerGroup;
            long needed = (items + groupSize - 1) / groupSize;
            return new KernelConfig((int)Math.Min(accelerator.NumMultiprocessors, needed), groupSize);
        }

        int groupsPerSm = Math.Max(1, accelerator.MaxNumThreadsPerMultiprocessor / GpuGroupSize);
        long resident = (long)accelerator.NumMultiprocessors * groupsPerSm;
        long wanted = (items + GpuGroupSize - 1) / GpuGroupSize;
        return new KernelConfig((int)Math.Min(resident, wanted), GpuGroupSize);
    }

    /// <summary>
    /// The grid for <paramref name="groups"/> independent groups of work, each done by a whole thread group of at most
    /// <paramref name="maxGroupSize"/> threads (the kernel strides over its groups by the grid's group count): on a GPU
    /// enough groups to fill every multiprocessor; on the CPU accelerator one group per simulated multiprocessor, as
    /// large as it allows.
    /// </summary>
    public static KernelConfig ForGroups(Accelerator accelerator, long groups, int maxGroupSize)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentOutOfRangeException.ThrowIfNegative(groups);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxGroupSize, 1);
        long wanted = Math.Max(1, groups);
        int groupSize = Math.Min(maxGroupSize, accelerator.MaxNumThreadsPerGroup);
        long resident = accelerator.AcceleratorType == AcceleratorType.CPU
            ? accelerator.NumMultiprocessors
            : (long)accelerator.NumMultiprocessors * Math.Max(1, accelerator.MaxNumThreadsPerMultiprocessor / groupSize);
        return new KernelConfig((int)Math.Min(resident, wanted), groupSize);
    }

    /// <summary>This thread's first item in a grid-stride loop (call inside a kernel).</summary>
    public static int Start => Grid.GlobalIndex.X;

    /// <summary>
    /// The stride of a grid-stride loop: the number of threads in the grid (call inside a kernel). Read it once
    /// into a local before the loop: on the CPU accelerator each read is a thread-static lookup, and re-reading it
    /// every iteration made the normal fill ~4x slower (measured, 16M floats).
    /// </summary>
    public static int Stride => Grid.DimX * Group.DimX;
}

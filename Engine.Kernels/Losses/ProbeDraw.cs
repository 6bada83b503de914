using ILGPU;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Losses;

/// <summary>
/// Draws the rows of <see cref="ProbeKernels.Fill"/>, choosing where: on a GPU the kernel's launch; on the CPU accelerator,
/// for a draw of up to <see cref="HostLoopFloats"/> values, its per-row body (<see cref="ProbeKernels.FillRow"/>) in a
/// host loop over the same memory, the same bits without a launch (an ILGPU launch on the CPU costs a task object and a
/// dispatch, more than drawing a training batch's probes); a larger draw is faster on the accelerator's threads.
/// </summary>
internal static class ProbeDraw
{
    /// <summary>
    /// The largest draw the host loop takes: a launch's fixed cost (30-50 us on the CPU accelerator) buys several threads,
    /// which win from about 8k values on 2 cores (fewer on more).
    /// </summary>
    internal const int HostLoopFloats = 4096;

    /// <summary>Fills <paramref name="output"/> (rows of <paramref name="d"/>) as <see cref="ProbeKernels.Fill"/> does.</summary>
    public static void Fill(Device device, ArrayView<float> output, int d, Philox4x32 rng, uint call, int kind)
    {
        int rows = output.IntLength / d;
        if (device.Kind != DeviceKind.Cpu || output.Length > HostLoopFloats)
        {
            device.Launch(ProbeKernels.Fill, rows, output, d, rng, call, kind);
            return;
        }
        device.Synchronize(); // a launch still reading the rows (the last step's graph) finishes first
        for (int r = 0; r < rows; r++) ProbeKernels.FillRow(r, output, d, rng, call, kind);
    }
}

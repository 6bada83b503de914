using ILGPU;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Losses;

/// <summary>
/// Draws the rows of <see cref="ProbeKernels.Fill"/>, choosing where: on a GPU the kernel's launch; on the CPU accelerator
/// its per-row body (<see cref="ProbeKernels.FillRow"/>) in a host loop over the same memory, the same bits without a
/// launch (an ILGPU launch on the CPU costs a task object and a dispatch, more than drawing a training batch's probes).
/// </summary>
internal static class ProbeDraw
{
    /// <summary>Fills <paramref name="output"/> (rows of <paramref name="d"/>) as <see cref="ProbeKernels.Fill"/> does.</summary>
    public static void Fill(Device device, ArrayView<float> output, int d, Philox4x32 rng, uint call, int kind)
    {
        int rows = output.IntLength / d;
        if (device.Kind != DeviceKind.Cpu)
        {
            device.Launch(ProbeKernels.Fill, rows, output, d, rng, call, kind);
            return;
        }
        device.Synchronize(); // a launch still reading the rows (the last step's graph) finishes first
        for (int r = 0; r < rows; r++) ProbeKernels.FillRow(r, output, d, rng, call, kind);
    }
}

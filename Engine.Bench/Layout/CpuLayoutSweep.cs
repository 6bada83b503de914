using TorchEbm.Bench.Fill;
using TorchEbm.Bench.Timing;
using TorchEbm.Fill;
using TorchEbm.Kernels.Random;
using TorchEbm.Launch;

namespace TorchEbm.Bench.Layout;

/// <summary>
/// <c>Engine.Bench cpu-layout</c>: times the grid-stride normal fill (16M floats) on the CPU accelerator under
/// several simulated layouts and the Parallel.For baseline, in one run, and prints each as a ratio to the
/// baseline. This is how the default <see cref="CpuLayout"/> was chosen.
/// </summary>
public static class CpuLayoutSweep
{
    private static readonly CpuLayout[] Candidates =
    [
        new(2, 1, 1), new(2, 1, 2), new(4, 1, 2), new(8, 1, 2), new(16, 1, 2), new(32, 1, 2),
        new(4, 2, 2), new(4, 1, 4), new(2, 1, 4), new(32, 1, 4),
    ];

    public static int Run(int repetitions, IReadOnlyList<CpuLayout>? layouts = null)
    {
        int n = NormalFillBenchmarks.Count;
        var host = new float[n];
        Console.WriteLine($"Normal fill of {n:N0} floats, median of {repetitions} runs, {Environment.ProcessorCount} cores");

        double baseline = 1e3 * Median.Seconds(repetitions, () => HostPhiloxFill.Normal(host, 1, 2));
        Console.WriteLine($"{"layout (warp,warps,SMs)",-26} {"threads",8} {"ms",9} {"Parallel.For / layout",22}");
        Console.WriteLine($"{"Parallel.For baseline",-26} {Environment.ProcessorCount,8} {baseline,9:F1} {1.0,22:F2}");

        foreach (CpuLayout layout in layouts ?? Candidates)
        {
            using Device device = Device.CreateCpu(layout);
            using Tensor t = device.Zeros(n);
            void Fill()
            {
                device.Launch(FillKernels.Normal, FillKernels.BlocksFor(n), t.View, Philox4x32.FromSeed(1), 2u);
                device.Synchronize();
            }
            Fill(); // compile and warm up
            double ms = 1e3 * Median.Seconds(repetitions, Fill);
            int threads = layout.ThreadsPerWarp * layout.WarpsPerMultiprocessor * layout.Multiprocessors;
            string mark = layout == CpuLayout.Default ? "  <- default" : "";
            Console.WriteLine($"{layout,-26} {threads,8} {ms,9:F1} {baseline / ms,22:F2}{mark}");
        }
        return 0;
    }
}

using System.Diagnostics;

namespace TorchEbm.Bench.Memory;

/// <summary>
/// `scope-memory [iterations]`: a loop that creates two 4 MB tensors per iteration and never disposes them, run once as
/// is (the garbage collector's finalizers are all that frees them) and once with a DisposeScope per iteration; prints
/// the device's live tensors and the process's working set after each, so the two can be compared in one run.
/// </summary>
public static class ScopeMemory
{
    public static int Run(int iterations)
    {
        using Device device = Device.Create(DeviceKind.Cpu);
        Console.WriteLine($"{iterations} iterations of two (1024, 1024) tensors, never disposed by the loop body, on {device}");
        Measure("no scope", device, iterations, scoped: false);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Measure("scope per iteration", device, iterations, scoped: true);
        return 0;
    }

    private static void Measure(string label, Device device, int iterations, bool scoped)
    {
        using var process = Process.GetCurrentProcess();
        long peak = 0;
        int liveBefore = device.LiveTensors;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++)
        {
            using DisposeScope? scope = scoped ? device.NewScope() : null;
            Tensor a = device.Full(1f, 1024, 1024), b = device.Zeros(1024, 1024);
            _ = a.Length + b.Length;
            process.Refresh();
            peak = Math.Max(peak, process.WorkingSet64);
        }
        process.Refresh();
        Console.WriteLine($"{label,-20} tensors left undisposed {device.LiveTensors - liveBefore,5}   working set {process.WorkingSet64 / 1048576,6} MB   " +
                          $"peak {peak / 1048576,6} MB   {clock.Elapsed.TotalSeconds:F1} s");
    }
}

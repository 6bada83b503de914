using System.Diagnostics;
using System.Runtime.Intrinsics;

namespace TorchEbm.Bench.Roofline;

/// <summary>
/// This machine's measured ceilings for the roofline lines: float32 fused multiply-add throughput on every core (at
/// the widest vector width the hardware runs, and at 256 bits, the width of the engine's host code) and the memory
/// bandwidth of a parallel read of a buffer far larger than the caches.
/// </summary>
/// <param name="PeakFlops">FLOP/s of independent fused multiply-adds (two FLOPs each) at the widest hardware width.</param>
/// <param name="Peak256Flops">The same with 256-bit vectors.</param>
/// <param name="WidestBits">That widest width: 512, 256 or 128.</param>
/// <param name="ReadBytesPerSecond">Bytes per second of summing a 512 MiB buffer on every core.</param>
public sealed record MachinePeak(double PeakFlops, double Peak256Flops, int WidestBits, double ReadBytesPerSecond)
{
    private const int Iterations = 1 << 24; // per core: ~0.1 s at a few GHz

    /// <summary>Runs the probes (about a second), best of three each.</summary>
    public static MachinePeak Measure()
    {
        int widest = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128;
        double peak256 = Best(() => FmaRate(Fma256));
        double peak = widest == 512 ? Best(() => FmaRate(Fma512)) : peak256;
        return new MachinePeak(peak, peak256, widest, Best(ReadRate));
    }

    public override string ToString() =>
        $"machine peak: {PeakFlops / 1e9:F1} GFLOP/s float32 FMA ({WidestBits}-bit, {Environment.ProcessorCount} cores; " +
        $"256-bit: {Peak256Flops / 1e9:F1}), memory read {ReadBytesPerSecond / 1e9:F1} GB/s";

    private static double Best(Func<double> probe) => Math.Max(probe(), Math.Max(probe(), probe()));

    /// <summary>FLOP/s of <paramref name="kernel"/> (returning its FLOPs) run on every core at once.</summary>
    private static double FmaRate(Func<float, double> kernel)
    {
        int cores = Environment.ProcessorCount;
        var sink = new float[cores];
        var clock = Stopwatch.StartNew();
        double flops = 0;
        Parallel.For(0, cores, core => { double f = kernel(core + 1f); lock (sink) flops += f; });
        return flops / clock.Elapsed.TotalSeconds;
    }

    // Eight independent accumulators hide the FMA latency (4 cycles, two ports); the result feeds a check so the JIT
    // cannot drop the loop.
    private static double Fma256(float seed)
    {
        Vector256<float> m = Vector256.Create(0.999999f), a = Vector256.Create(1e-7f);
        Vector256<float> c0 = Vector256.Create(seed), c1 = c0 + a, c2 = c1 + a, c3 = c2 + a, c4 = c3 + a, c5 = c4 + a, c6 = c5 + a, c7 = c6 + a;
        for (int i = 0; i < Iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, m, a); c1 = Vector256.FusedMultiplyAdd(c1, m, a);
            c2 = Vector256.FusedMultiplyAdd(c2, m, a); c3 = Vector256.FusedMultiplyAdd(c3, m, a);
            c4 = Vector256.FusedMultiplyAdd(c4, m, a); c5 = Vector256.FusedMultiplyAdd(c5, m, a);
            c6 = Vector256.FusedMultiplyAdd(c6, m, a); c7 = Vector256.FusedMultiplyAdd(c7, m, a);
        }
        if (Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7) == float.PositiveInfinity) throw new InvalidOperationException();
        return 8.0 * 8 * 2 * Iterations;
    }

    private static double Fma512(float seed)
    {
        Vector512<float> m = Vector512.Create(0.999999f), a = Vector512.Create(1e-7f);
        Vector512<float> c0 = Vector512.Create(seed), c1 = c0 + a, c2 = c1 + a, c3 = c2 + a, c4 = c3 + a, c5 = c4 + a, c6 = c5 + a, c7 = c6 + a;
        for (int i = 0; i < Iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, a); c1 = Vector512.FusedMultiplyAdd(c1, m, a);
            c2 = Vector512.FusedMultiplyAdd(c2, m, a); c3 = Vector512.FusedMultiplyAdd(c3, m, a);
            c4 = Vector512.FusedMultiplyAdd(c4, m, a); c5 = Vector512.FusedMultiplyAdd(c5, m, a);
            c6 = Vector512.FusedMultiplyAdd(c6, m, a); c7 = Vector512.FusedMultiplyAdd(c7, m, a);
        }
        if (Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7) == float.PositiveInfinity) throw new InvalidOperationException();
        return 8.0 * 16 * 2 * Iterations;
    }

    /// <summary>Bytes per second of summing a 512 MiB buffer, one slice per core.</summary>
    private static double ReadRate()
    {
        const int floats = 1 << 27;
        float[] buffer = GC.AllocateUninitializedArray<float>(floats);
        buffer.AsSpan().Fill(1f); // touch every page before timing
        int cores = Environment.ProcessorCount, slice = floats / cores / 16 * 16; // whole 16-float steps per core
        var sums = new float[cores];
        var clock = Stopwatch.StartNew();
        Parallel.For(0, cores, core =>
        {
            ReadOnlySpan<float> part = buffer.AsSpan(core * slice, slice);
            Vector256<float> s0 = default, s1 = default;
            for (int i = 0; i < part.Length; i += 16)
            {
                s0 += Vector256.Create(part.Slice(i, 8));
                s1 += Vector256.Create(part.Slice(i + 8, 8));
            }
            sums[core] = Vector256.Sum(s0 + s1);
        });
        double seconds = clock.Elapsed.TotalSeconds;
        GC.KeepAlive(sums);
        return (double)cores * slice * sizeof(float) / seconds;
    }
}

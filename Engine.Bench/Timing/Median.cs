using System.Diagnostics;

namespace TorchEbm.Bench.Timing;

/// <summary>Wall-clock medians for the plain runners (BenchmarkDotNet does its own statistics).</summary>
public static class Median
{
    /// <summary>Median seconds of <paramref name="repetitions"/> runs of <paramref name="action"/> (warm it up first).</summary>
    public static double Seconds(int repetitions, Action action)
    {
        var times = new double[repetitions];
        for (int i = 0; i < repetitions; i++)
        {
            var watch = Stopwatch.StartNew();
            action();
            times[i] = watch.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        return times[repetitions / 2];
    }
}

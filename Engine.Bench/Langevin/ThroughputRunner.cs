using TorchEbm.Bench.Timing;

namespace TorchEbm.Bench.Langevin;

/// <summary><c>Engine.Bench langevin [repetitions]</c>: W1 chain-steps/s and W2 coordinate-steps/s on Device.Create(), median of runs.</summary>
public static class ThroughputRunner
{
    public static int Run(int repetitions)
    {
        (double w1, double w2, string device) = Measure(repetitions);
        double w1Rate = (double)LangevinWorkloads.W1Chains * LangevinWorkloads.W1Steps / w1;
        double w2Rate = (double)LangevinWorkloads.W2Chains * LangevinWorkloads.W2Dim * LangevinWorkloads.W2Steps / w2;
        Console.WriteLine($"{device}, median of {repetitions} runs after one warm-up");
        Console.WriteLine($"W1 Gaussian 2-D   {w1 * 1e3,9:F1} ms  {w1Rate,12:E3} chain-steps/s");
        Console.WriteLine($"W2 double well    {w2 * 1e3,9:F1} ms  {w2Rate,12:E3} coordinate-steps/s");
        return 0;
    }

    /// <summary>Median seconds of W1 and W2 on Device.Create(), and the device's description.</summary>
    public static (double W1, double W2, string Device) Measure(int repetitions)
    {
        using Device device = Device.Create();
        using var gaussian = LangevinWorkloads.W1Model(device);
        using var doubleWell = LangevinWorkloads.W2Model(device);
        double w1 = MedianSeconds(repetitions, () => LangevinWorkloads.RunW1(gaussian));
        double w2 = MedianSeconds(repetitions, () => LangevinWorkloads.RunW2(doubleWell));
        return (w1, w2, device.ToString());
    }

    private static double MedianSeconds(int repetitions, Action run)
    {
        run(); // warm-up: compiles the kernels
        return Median.Seconds(repetitions, run);
    }
}

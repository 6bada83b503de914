using TorchEbm.Autodiff;
using TorchEbm.Bench.Neural;
using TorchEbm.Bench.Roofline;
using TorchEbm.Bench.Timing;

namespace TorchEbm.Bench.Langevin;

/// <summary>
/// One measured workload: its name, what its rate counts, that amount per run, the median seconds per run, the
/// floating-point operations per unit of work (for the roofline line) and, for a Metropolis sampler (W5, W6), the mean
/// acceptance rate of the last run.
/// </summary>
public sealed record Measurement(string Key, string Name, string Unit, double Work, double Seconds, double FlopsPerUnit, double? Acceptance = null)
{
    public double Rate => Work / Seconds;

    /// <summary>Achieved FLOP/s.</summary>
    public double Flops => Rate * FlopsPerUnit;
}

/// <summary>
/// <c>Engine.Bench langevin [repetitions]</c>: W1 chain-steps/s, W2 coordinate-steps/s, W3 chain-steps/s (fused, through
/// the tape, and on CUDA through the per-chain kernel beside the cooperative one), MLP forward + backward FLOP/s, W4 CD-10 iterations/s, W5 HMC and W6 MALA chain-transitions/s
/// (with their acceptance rates) on Device.Create(), median of runs after one warm-up.
/// </summary>
public static class ThroughputRunner
{
    public static int Run(int repetitions)
    {
        (IReadOnlyList<Measurement> results, string device) = Measure(repetitions);
        Console.WriteLine($"{device}, median of {repetitions} runs after one warm-up");
        foreach (Measurement m in results)
            Console.WriteLine($"{m.Name,-34} {m.Seconds * 1e3,9:F1} ms  {m.Rate,12:E3} {m.Unit}"
                + (m.Acceptance is double a ? $"  acceptance {a:F3}" : ""));
        PrintRoofline(results);
        return 0;
    }

    /// <summary>Every workload on Device.Create(), and the device's description.</summary>
    public static (IReadOnlyList<Measurement> Results, string Device) Measure(int repetitions)
    {
        using Device device = Device.Create();
        using var gaussian = LangevinWorkloads.W1Model(device);
        using var doubleWell = LangevinWorkloads.W2Model(device);
        using var network = NeuralWorkloads.Model(device);
        using var tapeNetwork = NeuralWorkloads.TapeModel(device);
        using var perChainNetwork = NeuralWorkloads.Model(device);
        perChainNetwork.FusedKernels!.Cooperative = false; // the reference kernel beside CUDA's cooperative default
        using var batch = new Var(device.Randn(NeuralWorkloads.Batch, NeuralWorkloads.Dim, seed: 7));
        using var trained = NeuralWorkloads.Model(device);
        (var cd, var adam) = NeuralWorkloads.W4Setup(trained);
        using var cdLoss = cd;
        using var optimizer = adam;
        using Tensor data = device.Randn(NeuralWorkloads.W4Batch, NeuralWorkloads.Dim, seed: 8);
        Measurement[] results =
        [
            new("W1", "W1 Gaussian 2-D", "chain-steps/s", (double)LangevinWorkloads.W1Chains * LangevinWorkloads.W1Steps,
                MedianSeconds(repetitions, () => LangevinWorkloads.RunW1(gaussian)), LangevinWorkloads.W1Flops),
            new("W2", "W2 double well 128-D", "coordinate-steps/s",
                (double)LangevinWorkloads.W2Chains * LangevinWorkloads.W2Dim * LangevinWorkloads.W2Steps,
                MedianSeconds(repetitions, () => LangevinWorkloads.RunW2(doubleWell)), LangevinWorkloads.W2Flops),
            new("W3", "W3 MLP 2-128-128-1 energy", "chain-steps/s", (double)NeuralWorkloads.W3Chains * NeuralWorkloads.W3Steps,
                MedianSeconds(repetitions, () => NeuralWorkloads.RunW3(network)), NeuralWorkloads.InputGradientFlops),
            new("W3", "W3, tape step by step (not fused)", "chain-steps/s", (double)NeuralWorkloads.W3Chains * NeuralWorkloads.W3Steps,
                MedianSeconds(repetitions, () => NeuralWorkloads.RunW3(tapeNetwork)), NeuralWorkloads.InputGradientFlops),
            .. (device.Kind == DeviceKind.Cuda
                ? new Measurement[]
                {
                    new("W3", "W3, per-chain kernel (not cooperative)", "chain-steps/s", (double)NeuralWorkloads.W3Chains * NeuralWorkloads.W3Steps,
                        MedianSeconds(repetitions, () => NeuralWorkloads.RunW3(perChainNetwork)), NeuralWorkloads.InputGradientFlops),
                }
                : []),
            new("MLP", "MLP fwd+bwd, batch 1024", "FLOP/s", NeuralWorkloads.ForwardBackwardFlops,
                MedianSeconds(repetitions, () => NeuralWorkloads.RunForwardBackward(network, batch)), 1),
            new("W4", "W4 CD-10 iteration, batch 256, Adam", "iterations/s", NeuralWorkloads.W4Iterations,
                MedianSeconds(repetitions, () => NeuralWorkloads.RunW4(trained, cdLoss, optimizer, data)), NeuralWorkloads.W4Flops),
            Sampler("W5", "W5 HMC 128-D, 10 leapfrog", (double)LangevinWorkloads.W5Chains * LangevinWorkloads.W5Transitions,
                repetitions, () => LangevinWorkloads.RunW5(doubleWell), LangevinWorkloads.W5Flops),
            Sampler("W6", "W6 MALA 128-D", (double)LangevinWorkloads.W6Chains * LangevinWorkloads.W6Steps,
                repetitions, () => LangevinWorkloads.RunW6(doubleWell), LangevinWorkloads.W6Flops),
        ];
        return (results, device.ToString());
    }

    /// <summary>A Metropolis sampler workload in chain-transitions (chains x transitions), with the last run's acceptance.</summary>
    private static Measurement Sampler(string key, string name, double transitions, int repetitions, Func<float> run, double flops)
    {
        float acceptance = float.NaN;
        double seconds = MedianSeconds(repetitions, () => acceptance = run());
        return new(key, name, "chain-transitions/s", transitions, seconds, flops, acceptance);
    }

    /// <summary>
    /// The roofline lines: each workload's achieved GFLOP/s (its FLOPs per unit of work times its rate) as a fraction of
    /// this machine's measured FMA peak, after the probe's own line.
    /// </summary>
    public static void PrintRoofline(IReadOnlyList<Measurement> results)
    {
        MachinePeak peak;
        try { peak = MachinePeak.Measure(); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.WriteLine($"machine peak probe failed ({e.GetBaseException().Message}): no roofline lines");
            return;
        }
        Console.WriteLine(peak);
        Console.WriteLine($"{"roofline",-48} {"GFLOP/s",10} {"of peak",8} {"of 256-bit",11}");
        foreach (Measurement m in results)
            Console.WriteLine($"{m.Name,-48} {m.Flops / 1e9,10:F2} {m.Flops / peak.PeakFlops,8:P1} {m.Flops / peak.Peak256Flops,11:P1}");
    }

    private static double MedianSeconds(int repetitions, Action run)
    {
        run(); // warm-up: compiles the kernels
        return Median.Seconds(repetitions, run);
    }
}

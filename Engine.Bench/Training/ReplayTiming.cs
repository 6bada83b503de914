using System.Diagnostics;
using TorchEbm.Autodiff;
using TorchEbm.Bench.Neural;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;

namespace TorchEbm.Bench.Training;

/// <summary>
/// <c>Engine.Bench replay-timing [blocks]</c>: time per training iteration of each loss with its graph replayed
/// (<see cref="BaseLoss.ReplayGraph"/>, the default) and recorded every call, at the sizes of
/// <see cref="TrainingAllocationBenchmarks"/> (MLP 2-128-128-1; CD-10 at W4's batch 256, DSM and SSM at 1024; exact SM
/// on an MLP 16-128-128-1 at 128). The two run in alternating blocks of ten iterations on one model, so load from
/// other jobs falls on both alike; printed per block are the wall time and the process's CPU time (every thread), as
/// medians over the blocks.
/// </summary>
public static class ReplayTiming
{
    private const int PerBlock = 10, WarmUp = 5;

    public static int Run(int blocks)
    {
        using Device device = Device.Create();
        Console.WriteLine($"{device}; {blocks} blocks of {PerBlock} iterations each way, alternating; medians per iteration");
        Console.WriteLine($"{"loss",-28} {"replayed wall",14} {"recorded wall",14} {"replayed CPU",13} {"recorded CPU",13}");
        using NeuralNetworkModel model = NeuralWorkloads.Model(device);
        using var model16 = new NeuralNetworkModel(new MLP(device, 16, [128, 128], 1, Activation.SiLU, seed: 0));
        using Tensor data256 = device.Randn(NeuralWorkloads.W4Batch, NeuralWorkloads.Dim, seed: 8);
        using Tensor data1024 = device.Randn(1024, NeuralWorkloads.Dim, seed: 1);
        using Tensor data16 = device.Randn(128, 16, seed: 1);
        Compare("CD-10, batch 256", model, () =>
        {
            (ContrastiveDivergence loss, Adam unused) = NeuralWorkloads.W4Setup(model);
            unused.Dispose(); // Compare makes its own
            return loss;
        }, data256, blocks);
        Compare("DSM, batch 1024", model, () => new DenoisingScoreMatching(0.1f) { CheckFinite = false }, data1024, blocks);
        Compare("SSM, batch 1024", model, () => new SlicedScoreMatching() { CheckFinite = false }, data1024, blocks);
        Compare("exact SM, d 16, batch 128", model16, () => new ScoreMatching() { CheckFinite = false }, data16, blocks);
        return 0;
    }

    private static void Compare(string name, NeuralNetworkModel model, Func<BaseLoss> create, Tensor data, int blocks)
    {
        using var adam = new Adam(model.Parameters(), lr: 1e-3f);
        using BaseLoss replayed = create(), recorded = create();
        recorded.ReplayGraph = false;
        for (int i = 0; i < WarmUp; i++)
        {
            Iteration(replayed, model, adam, data);
            Iteration(recorded, model, adam, data);
        }
        var times = new List<(double Wall, double Cpu)>[] { [], [] };
        for (int b = 0; b < blocks; b++)
            for (int side = 0; side < 2; side++)
            {
                BaseLoss loss = side == 0 ? replayed : recorded;
                TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var wall = Stopwatch.StartNew();
                for (int i = 0; i < PerBlock; i++) Iteration(loss, model, adam, data);
                times[side].Add((wall.Elapsed.TotalMilliseconds / PerBlock, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / PerBlock));
            }
        static double Median(IEnumerable<double> values) => values.Order().ElementAt(values.Count() / 2);
        Console.WriteLine($"{name,-28} {Median(times[0].Select(t => t.Wall)),11:F2} ms {Median(times[1].Select(t => t.Wall)),11:F2} ms " +
            $"{Median(times[0].Select(t => t.Cpu)),10:F2} ms {Median(times[1].Select(t => t.Cpu)),10:F2} ms");
    }

    private static void Iteration(BaseLoss loss, NeuralNetworkModel model, Adam adam, Tensor data)
    {
        adam.ZeroGrad();
        using Var value = loss.Compute(model, data);
        value.Backward();
        adam.Step();
        model.Device.Synchronize();
    }
}

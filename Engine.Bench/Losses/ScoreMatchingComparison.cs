using System.Text.Json;
using TorchEbm.Autodiff;
using TorchEbm.Bench.Langevin;
using TorchEbm.Bench.Timing;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;

namespace TorchEbm.Bench.Losses;

/// <summary>
/// <c>Engine.Bench score-matching [repetitions]</c>: training iterations (loss, backward, Adam step) of the
/// score-matching losses beside PyTorch eager (reference/score_matching_torch.py, same sizes), in one run:
/// DSM and SSM on an MLP 2-128-128-1 at batch 1024, exact SM on an MLP 16-128-128-1 at batch 128 (16 create-graph
/// passes). Prints milliseconds per iteration and PyTorch / engine (above 1: the engine is faster).
/// </summary>
public static class ScoreMatchingComparison
{
    private const int Iterations = 10;

    public static int Run(int repetitions)
    {
        using var device = Device.Create();
        (string Name, Func<BaseLoss> Loss, int Dim, int Batch)[] workloads =
        [
            ("DSM", () => new DenoisingScoreMatching(0.1f) { CheckFinite = false }, 2, 1024),
            ("SSM", () => new SlicedScoreMatching() { CheckFinite = false }, 2, 1024),
            ("SM16", () => new ScoreMatching() { CheckFinite = false }, 16, 128),
        ];
        var engine = new Dictionary<string, double>();
        foreach ((string name, Func<BaseLoss> create, int dim, int batch) in workloads)
        {
            using var model = new NeuralNetworkModel(new MLP(device, dim, [128, 128], 1, Activation.SiLU, seed: 0));
            using BaseLoss loss = create();
            using var adam = new Adam(model.Parameters(), lr: 1e-3f);
            using Tensor x = device.Randn(batch, dim, 1);
            void Once()
            {
                for (int i = 0; i < Iterations; i++)
                {
                    adam.ZeroGrad();
                    using Var value = loss.Compute(model, x);
                    value.Backward();
                    adam.Step();
                }
                device.Synchronize();
            }
            Once();
            engine[name] = Median.Seconds(repetitions, Once) / Iterations;
        }
        Dictionary<string, JsonElement>? torch = TorchComparison.RunTorch("score_matching_torch.py", repetitions, "cpu");
        Console.WriteLine($"engine: {device}; training iterations, median of {repetitions} runs of {Iterations}");
        Console.WriteLine($"{"workload",-8} {"engine ms",10} {"torch ms",10} {"torch / engine",15}");
        foreach ((string name, _, _, _) in workloads)
        {
            double mine = 1e3 * engine[name];
            string theirs = torch is null ? "-" : $"{1e3 * torch[name].GetDouble(),10:F2}";
            string ratio = torch is null ? "-" : $"{torch[name].GetDouble() / engine[name],15:F2}";
            Console.WriteLine($"{name,-8} {mine,10:F2} {theirs,10} {ratio,15}");
        }
        if (torch is not null) Console.WriteLine($"PyTorch {torch["torch"]} on {torch["device"]}, {torch["threads"]} threads");
        return 0;
    }
}

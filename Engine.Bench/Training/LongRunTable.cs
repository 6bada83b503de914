using System.Diagnostics;
using System.Globalization;
using TorchEbm.Datasets;
using TorchEbm.Samplers;
using TorchEbm.Training;

namespace TorchEbm.Bench.Training;

/// <summary>
/// <c>Engine.Bench long-run [key=value ...]</c>: trains each synthetic data set with <c>torchebm train</c>'s defaults
/// (<see cref="TrainingOptions"/>, contrastive divergence) and scores 1000 Langevin samples from N(0, I) (<see cref="SampleScore"/>)
/// after the README's Quick start length (200 steps), after the training chains' mean life (the options' SampleSteps,
/// k / reinitFraction) and after ten times that: whether a model's samples stay on the data when sampled longer than it
/// was trained for. Prints a Markdown table. Keys: data (comma list or all), steps, k, reinit, reg, lr, step, noise,
/// seed, readme (the README's length, default 200), times (the long length's factor, default 10).
/// </summary>
public static class LongRunTable
{
    public const int Samples = 1000;

    public static int Run(string[] args)
    {
        var o = new Dictionary<string, string>();
        foreach (string[] p in args.Select(a => a.Split('=', 2))) o[p[0]] = p[1];
        string Get(string key, string fallback) => o.TryGetValue(key, out string? v) ? v : fallback;
        float F(string key, float fallback) => float.Parse(Get(key, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        var d = new TrainingOptions();
        string[] datasets = Get("data", "all") == "all" ? [.. SyntheticDatasets.Names] : Get("data", "").Split(',');
        int readme = int.Parse(Get("readme", "200")), times = int.Parse(Get("times", "10"));

        using Device device = Device.Create();
        Console.WriteLine($"{device}; {DateTime.UtcNow:yyyy-MM-dd}; Engine.Bench long-run {string.Join(' ', args)}");
        Console.WriteLine("| data set | train s | near, README | MMD^2, README | near, training | MMD^2, training | near, 10x | MMD^2, 10x | band |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (string name in datasets)
        {
            TrainingOptions options = d with
            {
                Dataset = name,
                Steps = int.Parse(Get("steps", d.Steps.ToString(CultureInfo.InvariantCulture))),
                K = int.Parse(Get("k", d.K.ToString(CultureInfo.InvariantCulture))),
                ReinitFraction = F("reinit", d.ReinitFraction),
                EnergyRegularization = F("reg", d.EnergyRegularization),
                Lr = F("lr", d.Lr),
                StepSize = F("step", d.StepSize),
                NoiseScale = F("noise", d.NoiseScale),
                Seed = long.Parse(Get("seed", "0"), CultureInfo.InvariantCulture),
            };
            var clock = Stopwatch.StartNew();
            using TrainingResult result = Trainer.Run(device, options);
            double seconds = clock.Elapsed.TotalSeconds;
            int training = options.SampleSteps;
            var scores = new Dictionary<int, (double Near, float Mmd, double Band)>();
            string Cells(int steps)
            {
                if (!scores.TryGetValue(steps, out var s))
                {
                    // One sampler per length, seeded by it: a length scored twice (README = training) is one run.
                    var sampler = new LangevinDynamics(result.Model, options.StepSize, options.NoiseScale, seed: 1000 + steps);
                    using Tensor samples = sampler.Sample(dim: 2, nSteps: steps, nSamples: Samples);
                    scores[steps] = s = SampleScore.Of(samples, name);
                }
                return $"{s.Near:P1} | {s.Mmd:0.0e+0}";
            }
            string row = $"| {name} ({readme}/{training}/{times * training} steps) | {seconds:F0} | {Cells(readme)} | {Cells(training)} | {Cells(times * training)} | {scores[readme].Band:0.0e+0} |";
            Console.WriteLine(result.DivergedAt is int at ? row + $" diverged at step {at}" : row);
        }
        return 0;
    }
}

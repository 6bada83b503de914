using ILGPU.Runtime;
using System.Diagnostics;
using System.Globalization;
using TorchEbm.Autodiff;
using TorchEbm.Datasets;
using TorchEbm.Diagnostics;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;
using TorchEbm.Samplers;

namespace TorchEbm.Bench.Training;

/// <summary>
/// <c>Engine.Bench quick-start [key=value ...]</c>: the README's Quick start recipe (256 data rows by default, MLP 2-32-32-1, Langevin,
/// contrastive divergence with the loss's defaults unless overridden, Adam, full-batch steps) on each synthetic data set,
/// then 1000 samples from N(0, I) at several sampler lengths, each scored by the fraction within 0.1 of the data (nearest
/// of 5000 fresh points) and by MMD^2 to 1000 held-out points beside the data's own noise band (MMD^2 between independent
/// draws, <see cref="SampleScore"/>). Keys: data (comma list or all), n (data rows),
/// seed (data, network and chains; default 0), steps, lr, beta1, k, batch (negative chains; default as many as data rows), persistent, reg, reinit, buffer, step,
/// noise, hidden, eval (comma list of sampler lengths; 0: the replay buffer's first rows), sstep and snoise (the final
/// samples' step size and noise scale; default step and noise). This is how the defaults of ContrastiveDivergence were chosen.
/// </summary>
public static class QuickStartSweep
{
    public const int Samples = 1000;

    public static int Run(string[] args)
    {
        var o = new Dictionary<string, string>();
        foreach (string[] p in args.Select(a => a.Split('=', 2))) o[p[0]] = p[1]; // a later key=value wins
        string Get(string key, string fallback) => o.TryGetValue(key, out string? v) ? v : fallback;
        float F(string key, float fallback) => float.Parse(Get(key, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        string[] datasets = Get("data", "all") == "all" ? [.. SyntheticDatasets.Names] : Get("data", "").Split(',');
        int seed = int.Parse(Get("seed", "0")), steps = int.Parse(Get("steps", "1000")), k = int.Parse(Get("k", "10")), rows = int.Parse(Get("n", "256"));
        int[] hidden = [.. Get("hidden", "32,32").Split(',').Select(int.Parse)];
        int[] evals = [.. Get("eval", "200,2000").Split(',').Select(int.Parse)];
        float lr = F("lr", 1e-3f), beta1 = F("beta1", 0.9f), step = F("step", 0.01f), noise = F("noise", 0.1f);
        float sampleStep = F("sstep", step), sampleNoise = F("snoise", noise);
        int? batch = o.TryGetValue("batch", out string? b) ? int.Parse(b) : null;
        // Unset keys take the loss's own defaults.
        var defaults = typeof(ContrastiveDivergence).GetConstructors()[0].GetParameters().ToDictionary(p => p.Name!, p => p.DefaultValue);
        bool persistent = bool.Parse(Get("persistent", defaults["persistent"]!.ToString()!));
        float reg = F("reg", (float)defaults["energyRegularization"]!), reinit = F("reinit", (float)defaults["reinitFraction"]!);
        int buffer = int.Parse(Get("buffer", defaults["bufferSize"]!.ToString()!));

        using Device device = Device.Create();
        Console.WriteLine($"{device}; seed {seed} steps {steps} lr {lr} beta1 {beta1} k {k} persistent {persistent} reg {reg} reinit {reinit} buffer {buffer} " +
                          $"step {step} noise {noise} batch {batch?.ToString() ?? "n"} hidden {string.Join(",", hidden)}; {Samples} samples from N(0, I) at step {sampleStep} noise {sampleNoise}");
        Console.WriteLine($"{"data set",-16} {"steps",6} {"near 0.1",9} {"MMD^2",10} {"band",10} {"ok",3} {"loss",8} {"s",6}");
        foreach (string name in datasets)
        {
            var clock = Stopwatch.StartNew();
            using Tensor data = SyntheticDatasets.Create(name, device, rows, seed);
            using var model = new NeuralNetworkModel(new MLP(device, 2, hidden, 1, seed: seed));
            var sampler = new LangevinDynamics(model, step, noise, seed: 42 + seed);
            using var loss = new ContrastiveDivergence(sampler, k: k, batchSize: batch, persistent: persistent, bufferSize: buffer, reinitFraction: reinit, energyRegularization: reg);
            using var adam = new Adam(model.Parameters(), lr, beta1: beta1);
            float last = 0f;
            for (int i = 0; i < steps; i++)
            {
                adam.ZeroGrad();
                using Var l = loss.Compute(model, data);
                l.Backward();
                adam.Step();
                if (i == steps - 1) last = l.Value.ToArray()[0];
            }
            double seconds = clock.Elapsed.TotalSeconds;
            using Tensor heldOut = SyntheticDatasets.Create(name, device, Samples, 2_000_003); // SampleScore's held-out draw
            var evaluator = new LangevinDynamics(model, sampleStep, sampleNoise, seed: 43 + seed);
            foreach (int n in evals)
            {
                // Length 0 scores the replay buffer's first rows instead: the negatives the model was trained against.
                using Tensor samples = n > 0 || loss.Buffer is null ? evaluator.Sample(dim: 2, nSteps: n, nSamples: Samples) : FirstRows(loss.Buffer, Samples);
                (double near, float mmd, double band) = SampleScore.Of(samples, name);
                Console.WriteLine($"{name,-16} {n,6} {near,9:P1} {mmd,10:E2} {band,10:E2} {(mmd <= band ? "yes" : "no"),3} {last,8:F3} {seconds,6:F1}  {Moments(samples)} vs data {Moments(heldOut)}");
            }
        }
        return 0;
    }

    private static Tensor FirstRows(Tensor t, int rows)
    {
        Tensor first = t.Device.Allocate([rows, t.Dim(1)]);
        t.View.SubView(0, first.Length).CopyTo(first.View);
        return first;
    }

    /// <summary>Mean and sd of each coordinate, e.g. "(0.50 +- 0.87, 0.25 +- 0.50)".</summary>
    private static string Moments(Tensor t)
    {
        float[,] xy = t.ToArray2D();
        int n = xy.GetLength(0);
        string Of(int j)
        {
            double mean = Enumerable.Range(0, n).Average(i => (double)xy[i, j]);
            double sd = Math.Sqrt(Enumerable.Range(0, n).Average(i => (xy[i, j] - mean) * (xy[i, j] - mean)));
            return $"{mean:F2} +- {sd:F2}";
        }
        return $"({Of(0)}, {Of(1)})";
    }
}

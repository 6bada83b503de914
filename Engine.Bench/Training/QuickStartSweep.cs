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
/// draws: the 95th percentile of <see cref="NullDraws"/> fresh draws' MMD^2 to the same held-out points, the same estimator
/// and bandwidth) and beside the training set's own floor (MMD^2 of 1000 rows drawn with replacement from the n training
/// rows: what a model that reproduced its training data exactly would score). Keys: data (comma list or all), n (data rows),
/// steps, lr, beta1, k, batch (negative chains; default as many as data rows), persistent, reg, reinit, buffer, step,
/// noise, hidden, eval (comma list of sampler lengths; 0: the replay buffer's first rows), sstep and snoise (the final
/// samples' step size and noise scale; default step and noise). This is how the defaults of ContrastiveDivergence were chosen.
/// </summary>
public static class QuickStartSweep
{
    public const int Samples = 1000, ReferenceRows = 5000, NullDraws = 20;

    public static int Run(string[] args)
    {
        var o = new Dictionary<string, string>();
        foreach (string[] p in args.Select(a => a.Split('=', 2))) o[p[0]] = p[1]; // a later key=value wins
        string Get(string key, string fallback) => o.TryGetValue(key, out string? v) ? v : fallback;
        float F(string key, float fallback) => float.Parse(Get(key, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        string[] datasets = Get("data", "all") == "all" ? [.. SyntheticDatasets.Names] : Get("data", "").Split(',');
        int steps = int.Parse(Get("steps", "1000")), k = int.Parse(Get("k", "10")), rows = int.Parse(Get("n", "256"));
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
        Console.WriteLine($"{device}; steps {steps} lr {lr} beta1 {beta1} k {k} persistent {persistent} reg {reg} reinit {reinit} buffer {buffer} " +
                          $"step {step} noise {noise} batch {batch?.ToString() ?? "n"} hidden {string.Join(",", hidden)}; {Samples} samples from N(0, I) at step {sampleStep} noise {sampleNoise}");
        Console.WriteLine($"{"data set",-16} {"steps",6} {"near 0.1",9} {"MMD^2",10} {"band",10} {"ok",3} {"n floor",10} {"loss",8} {"s",6}");
        foreach (string name in datasets)
        {
            var clock = Stopwatch.StartNew();
            using Tensor data = SyntheticDatasets.Create(name, device, rows, 0);
            using var model = new NeuralNetworkModel(new MLP(device, 2, hidden, 1, seed: 0));
            var sampler = new LangevinDynamics(model, step, noise, seed: 42);
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
            using Tensor reference = SyntheticDatasets.Create(name, device, ReferenceRows, 7);
            using Tensor heldOut = SyntheticDatasets.Create(name, device, Samples, 8);
            float[,] near = reference.ToArray2D();
            var evaluator = new LangevinDynamics(model, sampleStep, sampleNoise, seed: 43);
            foreach (int n in evals)
            {
                // Length 0 scores the replay buffer's first rows instead: the negatives the model was trained against.
                using Tensor samples = n > 0 || loss.Buffer is null ? evaluator.Sample(dim: 2, nSteps: n, nSamples: Samples) : FirstRows(loss.Buffer, Samples);
                float bandwidth = Mmd.MedianBandwidth(samples, heldOut);
                float mmd = Mmd.Unbiased(samples, heldOut, bandwidth);
                var nulls = new double[NullDraws];
                for (int j = 0; j < NullDraws; j++)
                {
                    using Tensor fresh = SyntheticDatasets.Create(name, device, Samples, 100 + j);
                    nulls[j] = Mmd.Unbiased(fresh, heldOut, bandwidth);
                }
                double band = Percentile95(nulls);
                using Tensor resampled = Resample(data, Samples, seed: 9);
                float floor = Mmd.Unbiased(resampled, heldOut, bandwidth);
                Console.WriteLine($"{name,-16} {n,6} {NearFraction(samples.ToArray2D(), near),9:P1} {mmd,10:E2} {band,10:E2} {(mmd <= band ? "yes" : "no"),3} {floor,10:E2} {last,8:F3} {seconds,6:F1}  {Moments(samples)} vs data {Moments(heldOut)}");
            }
        }
        return 0;
    }

    /// <summary>The 95th percentile of <paramref name="values"/> (nearest rank: the 19th smallest of 20).</summary>
    public static double Percentile95(double[] values)
    {
        double[] sorted = [.. values.Order()];
        return sorted[(int)Math.Ceiling(0.95 * sorted.Length) - 1];
    }

    /// <summary><paramref name="rows"/> rows drawn with replacement from <paramref name="data"/>.</summary>
    private static Tensor Resample(Tensor data, int rows, int seed)
    {
        float[,] from = data.ToArray2D();
        var random = new Random(seed);
        var to = new float[rows * 2];
        for (int i = 0; i < rows; i++)
        {
            int j = random.Next(from.GetLength(0));
            to[2 * i] = from[j, 0];
            to[2 * i + 1] = from[j, 1];
        }
        return data.Device.FromArray(to, rows, 2);
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

    /// <summary>Fraction of the rows of <paramref name="samples"/> within 0.1 of a row of <paramref name="reference"/>.</summary>
    public static double NearFraction(float[,] samples, float[,] reference)
    {
        int hits = 0;
        for (int i = 0; i < samples.GetLength(0); i++)
        {
            float x = samples[i, 0], y = samples[i, 1];
            for (int j = 0; j < reference.GetLength(0); j++)
            {
                float dx = x - reference[j, 0], dy = y - reference[j, 1];
                if (dx * dx + dy * dy <= 0.01f) { hits++; break; }
            }
        }
        return hits / (double)samples.GetLength(0);
    }
}

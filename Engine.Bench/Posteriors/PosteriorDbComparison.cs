using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using TorchEbm.Diagnostics;
using TorchEbm.Samplers;
using TorchEbm.Tests.Posteriors;

namespace TorchEbm.Bench.Posteriors;

/// <summary>
/// <c>Engine.Bench posteriordb [posterior ...]</c>: each posterior of the conformance suite sampled by the engine (the
/// suite's one sampler, <see cref="PosteriorSuite.Run"/>) and, where Debian's r-cran-rstan is installed, by Stan (NUTS,
/// its defaults: 4 chains on 2 cores, 1000 warm-up + 1000 draws), in one run: the smallest bulk-ESS over the posterior's
/// quantities per second and per 1000 gradient evaluations, and the engine / Stan ratios. Stan's time is its own
/// elapsed warm-up + sampling summed over its chains / 2 (its 2 cores; compilation excluded), its gradients its
/// leapfrog steps; the engine's time is the wall clock of its whole run (warm-up, sampling, copying the draws).
/// </summary>
/// <remarks>
/// <c>--warm-run</c>: before each posterior's timed engine run, an untimed short run (<see cref="WarmRunSteps"/> warm-up
/// steps and draws, the same sampler, chains and options otherwise) of a separate instance of the same posterior, so the
/// timed run excludes what a process pays once, as Stan's time excludes its compilation: .NET's JIT of the sampler and
/// energy code and ILGPU's compilation of the kernels the run launches. The timed run still traces its own model and
/// runs everything else. Without the flag the first posterior's time includes those one-time costs.
/// </remarks>
public static class PosteriorDbComparison
{
    private sealed record Side(double MinEss, double Seconds, long Gradients, int Divergences)
    {
        public double EssPerSecond => MinEss / Seconds;
        public double EssPerKiloGradient => MinEss / (Gradients / 1000.0);
    }

    public static int Run(string[] posteriors)
    {
        // --step-by-step: the models' energies through the tape per evaluation (no trace), for a before/after in one build.
        bool traced = !posteriors.Contains("--step-by-step"), warmRun = posteriors.Contains("--warm-run");
        posteriors = [.. posteriors.Where(p => p != "--step-by-step" && p != "--warm-run")];
        IReadOnlyList<string> names = posteriors.Length > 0 ? posteriors : PosteriorCatalogue.Names;
        string? unknown = names.FirstOrDefault(n => !PosteriorCatalogue.Names.Contains(n));
        if (unknown is not null)
        {
            Console.Error.WriteLine($"Unknown posterior '{unknown}'; the suite has: {string.Join(", ", PosteriorCatalogue.Names)}.");
            return 2;
        }
        using var device = Device.Create();
        string? rscript = FindRscript();
        if (rscript is null)
            Console.WriteLine("Rscript not found: engine figures only. For Stan install Debian's r-cran-rstan "
                              + "(and `ln -s /usr/include /usr/lib/R/site-library/BH/include`).");
        var rows = new List<(string Name, Side Engine, Side? Stan)>();
        foreach (string name in names)
        {
            if (warmRun) WarmRun(name, device, traced);
            Side engine = RunEngine(name, device, traced);
            Side? stan = rscript is null ? null : RunStan(rscript, name);
            rows.Add((name, engine, stan));
            Console.Error.WriteLine($"{name}: engine {engine}, Stan {stan?.ToString() ?? "-"}");
        }

        Console.WriteLine();
        Console.WriteLine($"{"posterior",-40} {"ESS/s engine",12} {"Stan",9} {"ratio",7}   {"ESS/1000 grad engine",20} {"Stan",9} {"ratio",7}   {"div engine",10} {"Stan",5}");
        foreach ((string name, Side e, Side? s) in rows)
            Console.WriteLine($"{name,-40} {e.EssPerSecond,12:F1} {Format(s?.EssPerSecond),9} {Format(s is null ? null : e.EssPerSecond / s.EssPerSecond),7}   "
                              + $"{e.EssPerKiloGradient,20:F2} {Format(s?.EssPerKiloGradient),9} {Format(s is null ? null : e.EssPerKiloGradient / s.EssPerKiloGradient),7}   "
                              + $"{e.Divergences,10} {(s is null ? "-" : s.Divergences.ToString()),5}");
        Console.WriteLine($"engine: {device}, {(traced ? "traced energies" : "step by step (no trace)")}, {PosteriorSuite.Chains} chains, {PosteriorSuite.WarmupSteps} warm-up + {PosteriorSuite.Draws} draws, Stan's inits, "
                          + (warmRun ? $"after an untimed {WarmRunSteps} + {WarmRunSteps}-step run (JIT and kernel compilation excluded); " : "one-time JIT and kernel compilation included; ")
                          + "Stan: rstan NUTS, 4 chains, cores 2, time = elapsed warm-up + sampling summed over chains / 2");
        return 0;
    }

    private static string Format(double? value) => value is double v ? v.ToString("F2", CultureInfo.InvariantCulture) : "-";

    /// <summary>Warm-up steps and draws of the untimed run of <c>--warm-run</c>: enough for every warm-up phase (a mass window,
    /// step-size searches, restarts) and the sampling launch.</summary>
    private const int WarmRunSteps = 30;

    private static void WarmRun(string name, Device device, bool traced)
    {
        using PosteriorModel model = PosteriorCatalogue.Create(name, device);
        model.Tracing = traced;
        using Tensor inits = PosteriorSuite.StanInits(model, PosteriorSuite.Chains, seed: 1);
        var options = new SampleOptions { InitialSamples = inits, WarmupSteps = WarmRunSteps, ReturnTrajectory = true }; // PosteriorSuite.Options, shorter
        PosteriorSuite.DefaultSampler(model, seed: 1).SampleChain(model.Dimension, WarmRunSteps, PosteriorSuite.Chains, options).Dispose();
    }

    private static Side RunEngine(string name, Device device, bool traced)
    {
        using PosteriorModel model = PosteriorCatalogue.Create(name, device);
        model.Tracing = traced;
        PosteriorRun run = PosteriorSuite.Run(model);
        return new Side(ChainStatistics.EffectiveSampleSize(run.Draws).Min(), run.Seconds, run.GradientEvaluations, run.Divergences);
    }

    private static Side? RunStan(string rscript, string name)
    {
        ReferencePosterior reference = ReferencePosterior.Load(name);
        string folder = Path.Combine(AppContext.BaseDirectory, "posteriordb");
        string data = Path.Combine(Path.GetTempPath(), $"torchebm-{name}-{Environment.ProcessId}.R");
        File.WriteAllText(data, RDump(PosteriorFiles.Path(name + ".data.json")));
        try
        {
            var start = new ProcessStartInfo(rscript)
            {
                ArgumentList =
                {
                    Path.Combine(folder, "stan_run.R"), Path.Combine(folder, "stan", reference.Model + ".stan"), data, "4711",
                    string.Join(",", reference.Quantities.Select(q => q.Name)),
                },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using Process process = Process.Start(start)!;
            Task<string> error = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            string[] fields = output.Trim().Split('\n')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (process.ExitCode != 0 || fields.Length != 4)
            {
                Console.Error.WriteLine($"Stan failed on {name}: {error.Result.Trim().Split('\n')[^1]}");
                return null;
            }
            double seconds = double.Parse(fields[0], CultureInfo.InvariantCulture) / 2; // its chains ran on 2 cores
            return new Side(double.Parse(fields[2], CultureInfo.InvariantCulture), seconds, long.Parse(fields[1], CultureInfo.InvariantCulture),
                int.Parse(fields[3], CultureInfo.InvariantCulture));
        }
        finally
        {
            File.Delete(data);
        }
    }

    /// <summary>posteriordb's JSON data in R's dump format (rstan's read_rdump): numbers, vectors, matrices given as lists of rows.</summary>
    internal static string RDump(string jsonPath)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(jsonPath));
        var text = new StringBuilder();
        foreach (JsonProperty p in doc.RootElement.EnumerateObject())
        {
            JsonElement v = p.Value;
            if (v.ValueKind != JsonValueKind.Array)
            {
                text.Append($"{p.Name} <- {v.GetRawText()}\n");
                continue;
            }
            JsonElement[] items = [.. v.EnumerateArray()];
            if (items.Length > 0 && items[0].ValueKind == JsonValueKind.Array)
            {
                int rows = items.Length, columns = items[0].GetArrayLength();
                IEnumerable<string> columnMajor = Enumerable.Range(0, columns).SelectMany(c => items.Select(r => r[c].GetRawText()));
                text.Append($"{p.Name} <- structure(c({string.Join(", ", columnMajor)}), .Dim = c({rows}, {columns}))\n");
            }
            else text.Append($"{p.Name} <- c({string.Join(", ", items.Select(i => i.GetRawText()))})\n");
        }
        return text.ToString();
    }

    private static string? FindRscript()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Append("/usr/bin"))
        {
            string candidate = Path.Combine(dir, "Rscript");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}

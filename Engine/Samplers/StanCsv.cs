using System.Globalization;
using TorchEbm.Files;

namespace TorchEbm.Samplers;

/// <summary>
/// CmdStan's output CSV (one file per chain), which rstan's <c>read_stan_csv</c>, cmdstanr, CmdStanPy and ArviZ's
/// <c>from_cmdstan</c> read: '#' comment lines with the run's configuration as <c>key = value</c>, one header line
/// <c>lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,</c> then the parameters, the
/// adaptation result as CmdStan writes it after the header (<c># Adaptation terminated</c>, <c># Step size = h</c>,
/// <c># Diagonal elements of inverse mass matrix:</c> and the diagonal), then one row per kept draw. A value the run
/// did not record is written <c>nan</c>, as CmdStan writes NaN (R and pandas read it as NaN).
/// </summary>
internal static class StanCsv
{
    /// <summary>The sampler columns, in CmdStan's order, before the parameters.</summary>
    public static readonly string[] SamplerColumns = ["lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__"];

    /// <summary>One run on the host: draws (kept, chains, dim) row-major, lp (kept, chains) = -E(x).</summary>
    public sealed record Run(float[] Draws, int Kept, int Chains, int Dim, float[] LogDensity, DrawStatistics Statistics,
        float[]? StepSizes, float[]? InverseMass, ChainRunSettings Settings);

    /// <summary>The file of chain <paramref name="chain"/> (0-based) in <paramref name="directory"/>: chain_1.csv, chain_2.csv, ...</summary>
    public static string FileOf(string directory, int chain) => Path.Combine(directory, $"chain_{chain + 1}.csv");

    /// <summary>Checks parameter names (one per dimension, non-empty, distinct, no comma, quote or line break) or makes CmdStan's x.1 .. x.d.</summary>
    /// <exception cref="ArgumentException">The names do not fit.</exception>
    public static string[] Names(IReadOnlyList<string>? names, int dim)
    {
        if (names is null) return [.. Enumerable.Range(1, dim).Select(i => $"x.{i}")];
        if (names.Count != dim)
            throw new ArgumentException($"parameterNames has {names.Count} names but the draws have {dim} dimensions.", "parameterNames");
        for (int i = 0; i < names.Count; i++)
            if (string.IsNullOrWhiteSpace(names[i]) || names[i].IndexOfAny([',', '"', '\n', '\r', '#']) >= 0 || names[i] != names[i].Trim())
                throw new ArgumentException(
                    $"parameterNames[{i}] ('{names[i]}') must be a non-empty CSV column name without commas, quotes, '#', line breaks or surrounding spaces.",
                    "parameterNames");
        string? repeated = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (repeated is not null) throw new ArgumentException($"parameterNames has '{repeated}' more than once.", "parameterNames");
        if (names.FirstOrDefault(n => SamplerColumns.Contains(n)) is string reserved)
            throw new ArgumentException($"parameterNames has '{reserved}', a sampler column of the Stan CSV.", "parameterNames");
        return [.. names];
    }

    /// <summary>Writes one file per chain into <paramref name="directory"/> (created if missing), each atomically; returns their paths.</summary>
    public static string[] Write(string directory, string[] names, Run run)
    {
        Directory.CreateDirectory(directory);
        var paths = new string[run.Chains];
        for (int c = 0; c < run.Chains; c++)
        {
            paths[c] = FileOf(directory, c);
            int chain = c;
            AtomicFile.Write(paths[c], stream =>
            {
                using var writer = new StreamWriter(stream, leaveOpen: true) { NewLine = "\n" };
                WriteChain(writer, names, run, chain);
            });
        }
        return paths;
    }

    /// <summary>Whether the run's inverse mass is a whole matrix (a dense mass), as CmdStan's dense_e writes it row by row.</summary>
    private static bool IsDense(Run run) => run.Dim > 1 && run.InverseMass?.Length == run.Dim * run.Dim;

    private static void WriteChain(TextWriter w, string[] names, Run run, int c)
    {
        ChainRunSettings s = run.Settings;
        (string algorithm, string? engine) = s.Sampler switch
        {
            "NoUTurnSampler" => ("hmc", "nuts"),
            "HamiltonianMonteCarlo" => ("hmc", "static"),
            "MetropolisAdjustedLangevin" => ("mala", null),
            _ => ("langevin", null),
        };
        float? stepSize = run.StepSizes is float[] h ? h[h.Length == run.Chains ? c : 0] : null;
        bool adapted = s.WarmupSteps > 0 && stepSize is not null;
        w.WriteLine($"# model = torchebm {s.Sampler}");
        w.WriteLine("# method = sample (Default)");
        w.WriteLine("#   sample");
        w.WriteLine($"#     num_samples = {run.Kept * s.Thin}");
        w.WriteLine($"#     num_warmup = {s.WarmupSteps}");
        w.WriteLine("#     save_warmup = 0");
        w.WriteLine($"#     thin = {s.Thin}");
        w.WriteLine("#     adapt");
        w.WriteLine($"#       engaged = {(adapted ? 1 : 0)}");
        w.WriteLine($"#     algorithm = {algorithm}");
        if (engine is not null)
        {
            w.WriteLine("#       hmc");
            w.WriteLine($"#         engine = {engine}");
            if (engine == "nuts" && s.MaxTreeDepth is int depth)
            {
                w.WriteLine("#           nuts");
                w.WriteLine($"#             max_depth = {depth}");
            }
            w.WriteLine($"#         metric = {(run.InverseMass is null ? "unit_e" : IsDense(run) ? "dense_e" : "diag_e")}");
        }
        w.WriteLine($"# id = {c + 1}");
        w.WriteLine("# random");
        w.WriteLine($"#   seed = {s.Seed}");
        w.WriteLine("# output");
        w.WriteLine($"#   file = {Path.GetFileName(FileOf("", c))}");
        w.WriteLine($"# written by torchebm {typeof(StanCsv).Assembly.GetName().Version?.ToString(3)}: lp__ = -E(x); 'nan' where the run recorded no value");
        w.WriteLine(string.Join(",", SamplerColumns.Concat(names)));
        if (adapted)
        {
            w.WriteLine("# Adaptation terminated");
            w.WriteLine($"# Step size = {Number(stepSize!.Value)}");
            if (run.InverseMass is float[] mass && IsDense(run))
            {
                w.WriteLine("# Elements of inverse mass matrix:");
                for (int i = 0; i < run.Dim; i++) w.WriteLine($"# {string.Join(", ", mass.Skip(i * run.Dim).Take(run.Dim).Select(Number))}");
            }
            else if (run.InverseMass is float[] diagonal)
            {
                w.WriteLine("# Diagonal elements of inverse mass matrix:");
                w.WriteLine($"# {string.Join(", ", diagonal.Select(Number))}");
            }
        }
        DrawStatistics d = run.Statistics;
        var row = new string[SamplerColumns.Length + run.Dim];
        for (int t = 0; t < run.Kept; t++)
        {
            long draw = (long)t * run.Chains + c;
            row[0] = Number(run.LogDensity[draw]);
            row[1] = At(d.AcceptStat, t, c);
            row[2] = stepSize is float step ? Number(step) : "nan";
            row[3] = At(d.TreeDepth, t, c);
            row[4] = At(d.Leapfrogs, t, c);
            row[5] = At(d.Divergent, t, c);
            row[6] = At(d.Energy, t, c);
            for (int j = 0; j < run.Dim; j++) row[SamplerColumns.Length + j] = Number(run.Draws[draw * run.Dim + j]);
            w.WriteLine(string.Join(",", row));
        }
    }

    private static string At(float[,]? values, int t, int c) => values is null ? "nan" : Number(values[t, c]);

    /// <summary>A float as CmdStan writes it where it is not finite (nan, inf, -inf), else its shortest round-trip form.</summary>
    public static string Number(float value) =>
        float.IsNaN(value) ? "nan" : float.IsPositiveInfinity(value) ? "inf" : float.IsNegativeInfinity(value) ? "-inf"
            : value.ToString("R", CultureInfo.InvariantCulture);
}

using System.Globalization;
using System.Text.RegularExpressions;
using TorchEbm.Autodiff;
using TorchEbm.Checkpoints;
using TorchEbm.Models;
using TorchEbm.Samplers;

namespace TorchEbm.Tests.Cli;

/// <summary>
/// <c>torchebm sample</c> in-process: a checkpoint with malformed metadata, an activation given as an enum number or an
/// unknown name, bad paths and bad sampler or model options are exit 2 with one line on stderr; no CSV and no .tmp file
/// is left behind. MALA and HMC on an analytic model write N(0, I) samples and report acceptance, ESS and R-hat; the
/// default Langevin run still writes exactly what the library's sampler draws.
/// </summary>
public sealed class SampleCommandTests
{
    private Device _device = null!;
    private string _directory = null!;

    [OneTimeSetUp]
    public void CreateDevice() => _device = Device.Create(DeviceKind.Cpu);

    [OneTimeTearDown]
    public void DisposeDevice() => _device.Dispose();

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("torchebm-cli-sample-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    /// <summary>A 2-4-1 SiLU network saved with the model card torchebm train writes, one value replaced.</summary>
    private string SaveCheckpoint(string? key = null, string? value = null)
    {
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "torchebm-mlp", ["format_version"] = "1", ["output_dim"] = "1", ["input_dim"] = "2", ["hidden"] = "4", ["activation"] = "SiLU", ["dataset"] = "two-moons",
            ["step_size"] = "0.01", ["noise_scale"] = "0.1", ["seed"] = "0", ["sample_steps"] = "5",
        };
        if (key is not null) metadata[key] = value!;
        using var mlp = new MLP(_device, 2, [4], 1, Activation.SiLU, seed: 1);
        string path = PathOf("model.safetensors");
        Checkpoint.Save(path, mlp, metadata);
        return path;
    }

    private static string[] Sample(string checkpoint, string output) =>
        ["sample", "--checkpoint", checkpoint, "--n", "10", "--device", "cpu", "--out", output];

    private void AssertNothingWritten() =>
        Assert.That(Directory.GetFiles(_directory).Select(Path.GetFileName), Is.EquivalentTo(new[] { "model.safetensors" }).Or.Empty);

    [Test]
    public void CheckpointOfANetworkWithTwoOutputs_IsUsageError()
    {
        string path = PathOf("model.safetensors");
        using (var model = new TorchEbm.Models.NeuralNetworkModel(new MLP(_device, 2, [4], 2, Activation.SiLU, seed: 1)))
            Checkpoint.Save(path, model, new SamplerSettings(0.01f, 0.1f, 5));
        CliRun.Of(Sample(path, PathOf("s.csv"))).AssertUsageError("sample", "2 outputs");
        AssertNothingWritten();
    }

    [Test]
    public void GoodCheckpoint_WritesCsv_AndNoTemporary()
    {
        CliRun run = CliRun.Of(Sample(SaveCheckpoint(), PathOf("s.csv")));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
        Assert.That(File.ReadAllLines(PathOf("s.csv")), Has.Length.EqualTo(11));
        Assert.That(Directory.GetFiles(_directory, "*.tmp"), Is.Empty);
    }

    private string[] SampleModel(params string[] options) =>
        ["sample", "--device", "cpu", "--out", PathOf("s.csv"), .. options];

    /// <summary>The CSV's header and its rows as floats.</summary>
    private (string Header, float[][] Rows) ReadCsv()
    {
        string[] lines = File.ReadAllLines(PathOf("s.csv"));
        return (lines[0], [.. lines.Skip(1).Select(line => line.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray())]);
    }

    private static double Parse(string value) => double.Parse(value, CultureInfo.InvariantCulture);

    [Test]
    public void DefaultLangevin_WritesWhatTheLibrarySamplerDraws()
    {
        string checkpoint = SaveCheckpoint();
        CliRun run = CliRun.Of(Sample(checkpoint, PathOf("s.csv")));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
        using NeuralNetworkModel model = Checkpoint.LoadModel(checkpoint, _device);
        using Tensor expected = new LangevinDynamics(model, 0.01f, 0.1f, seed: 0).Sample(dim: 2, nSteps: 5, nSamples: 10);
        (string header, float[][] rows) = ReadCsv();
        Assert.That(header, Is.EqualTo("x1,x2"));
        Assert.That(rows.SelectMany(r => r).ToArray(), Is.EqualTo(expected.ToArray()), "bit for bit, through the R format");
        Assert.That(run.Stdout, Does.StartWith("wrote 10 samples (5 Langevin steps, step size 0.01, noise scale 0.1) to "));
        Assert.That(run.Stdout, Does.Not.Contain("acceptance"), "unadjusted Langevin has no Metropolis step");
    }

    [TestCase("mala", "MALA steps")]
    [TestCase("hmc", "HMC steps of 10 leapfrog steps")]
    [TestCase("nuts", "NUTS transitions of at most 2^10 leapfrog steps")]
    public void MetropolisSamplerOnStandardGaussian_WritesNormalSamples_AndReportsAcceptanceEssAndRHat(string sampler, string described)
    {
        CliRun run = CliRun.Of(SampleModel("--model", "gaussian", "--dim", "3", "--sampler", sampler, "--warmup", "200", "--steps", "300", "--n", "256"));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
        if (sampler != "hmc") Assert.That(run.Stderr, Is.Empty, "no sampling warning");
        else // checked by hand with R's posterior on the same draws (--trace): rhat 1.0104, its folded (tail) part; bulk 1.004
            Assert.That(run.StderrLines, Has.All.StartsWith("torchebm sample: warning: split R-hat 1.0"),
                "HMC with a fixed path (10 steps of the adapted ~1.2) on N(0, I) is nearly periodic in |x|: the tail R-hat is just above 1.01");
        (string header, float[][] rows) = ReadCsv();
        Assert.That(header, Is.EqualTo("x1,x2,x3"));
        Assert.That(rows, Has.Length.EqualTo(256));
        Assert.That(rows, Has.All.Length.EqualTo(3));
        for (int j = 0; j < 3; j++)
        {
            double[] x = [.. rows.Select(r => (double)r[j])];
            double mean = x.Average(), variance = x.Select(v => (v - mean) * (v - mean)).Sum() / (x.Length - 1);
            Assert.That(mean, Is.InRange(-0.3, 0.3), $"x{j + 1} mean of N(0, 1) (standard error 0.0625)");
            Assert.That(variance, Is.InRange(0.6, 1.4), $"x{j + 1} variance of N(0, 1) (standard error 0.09)");
        }

        Assert.That(run.Stdout, Does.Contain($"(200 warm-up (adapting) + 300 {described}"));
        Match acceptance = Regex.Match(run.Stdout, @"^acceptance (\S+) \(mean over chains\), divergences (\d+), step size (\S+) \(adapted from ", RegexOptions.Multiline);
        Assert.That(acceptance.Success, Is.True, run.Stdout);
        Assert.That(Parse(acceptance.Groups[1].Value), Is.InRange(0.3, 1.0), "acceptance after adapting towards 0.574 (MALA) or 0.65 (HMC) or 0.8 (NUTS)");
        Assert.That(int.Parse(acceptance.Groups[2].Value, CultureInfo.InvariantCulture), Is.EqualTo(0), "no divergence on a Gaussian");
        Assert.That(Parse(acceptance.Groups[3].Value), Is.GreaterThan(0.01), "warm-up grows the small default step on N(0, I)");

        Assert.That(run.Stdout, Does.Contain("ESS and split R-hat over 300 kept states (every step) of 256 chains:"));
        MatchCollection lines = Regex.Matches(run.Stdout, @"^  x(\d)  ESS +(\S+)  R-hat (\S+)$", RegexOptions.Multiline);
        Assert.That(lines.Select(m => m.Groups[1].Value), Is.EqualTo(new[] { "1", "2", "3" }));
        foreach (Match line in lines)
        {
            Assert.That(Parse(line.Groups[2].Value), Is.InRange(100, 256 * 300 * Math.Log10(256 * 300)), "ESS");
            Assert.That(Parse(line.Groups[3].Value), Is.InRange(0.99, 1.2), "split R-hat of chains started in the target");
        }
    }

    [TestCase("mala")]
    [TestCase("hmc")]
    public void MetropolisSamplerOnACheckpoint_TakesItsStepSize_AndSaysItsNoiseScaleIsNotUsed(string sampler)
    {
        CliRun run = CliRun.Of([.. Sample(SaveCheckpoint(), PathOf("s.csv")), "--sampler", sampler]);

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
        (string header, float[][] rows) = ReadCsv();
        Assert.That(header, Is.EqualTo("x1,x2"));
        Assert.That(rows, Has.Length.EqualTo(10));
        Assert.That(rows.SelectMany(r => r), Has.All.Matches<float>(float.IsFinite));
        Assert.That(run.Stdout, Does.Contain($"5 {sampler.ToUpperInvariant()} steps"));
        Assert.That(run.Stdout, Does.Contain("step size 0.01)"), "the checkpoint's step size");
        Assert.That(run.Stdout, Does.Contain($"note: {sampler} targets exp(-E); the checkpoint's Langevin noise scale 0.1"));
        Assert.That(run.Stdout, Does.Match(@"acceptance \d\.\d{3} \(mean over chains\), divergences \d+, step size 0\.01\r?\n"));
    }

    /// <summary>NUTS without --warmup adapts for Stan's 1000 steps; the others default to none (see the Langevin test above).</summary>
    [Test]
    public void Nuts_WarmsUpForStansThousandStepsByDefault_AndTakesMaxDepth()
    {
        CliRun run = CliRun.Of(SampleModel("--model", "gaussian", "--sampler", "nuts", "--max-depth", "4", "--steps", "100", "--n", "4"));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
        Assert.That(run.Stdout, Does.Contain("(1000 warm-up (adapting) + 100 NUTS transitions of at most 2^4 leapfrog steps, step size 0.1)"));
        Assert.That(ReadCsv().Rows, Has.Length.EqualTo(4));
    }

    [Test]
    public void LongRun_IsThinnedToAThousandKeptStates_AndOnlyTheFirstFourDimensionsReported()
    {
        CliRun run = CliRun.Of(SampleModel("--model", "harmonic", "--dim", "6", "--steps", "3000", "--n", "4"));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
        Assert.That(ReadCsv().Rows, Has.Length.EqualTo(4));
        Assert.That(run.Stdout, Does.Contain("ESS and split R-hat over 1000 kept states (one every 3 of 3000 steps) of 4 chains, first 4 of 6 dimensions:"));
        Assert.That(Regex.Matches(run.Stdout, @"^  x\d  ESS ", RegexOptions.Multiline), Has.Count.EqualTo(4));
    }

    [Test]
    public void OneChain_WritesCsv_AndSaysWhyThereIsNoEss()
    {
        CliRun run = CliRun.Of(SampleModel("--model", "double-well", "--n", "1", "--steps", "50"));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
        Assert.That(ReadCsv().Header, Is.EqualTo("x1,x2"), "--dim defaults to 2");
        Assert.That(ReadCsv().Rows, Has.Length.EqualTo(1));
        Assert.That(run.Stdout, Does.Contain("no ESS or R-hat: one chain."));
    }

    [Test]
    public void LangevinStepTooLargeForAnAnalyticModel_WritesCsv_AndExitsDiverged()
    {
        CliRun run = CliRun.Of(SampleModel("--model", "double-well", "--step-size", "1", "--n", "5", "--steps", "100"));

        run.AssertOneLine(3, "sample", "5 of 5 samples are NaN or infinite");
        Assert.That(ReadCsv().Rows, Has.Length.EqualTo(5));
        Assert.That(ReadCsv().Rows.SelectMany(r => r), Has.Some.Matches<float>(v => !float.IsFinite(v)));
    }

    /// <summary>
    /// The issue-22 run, smaller: HMC at step size 50 on N(0, I) diverges at every transition and no chain moves. Each
    /// warning is one stderr line, the R-hat/ESS line explains them on stdout, the CSV is written and the exit code stays 0.
    /// </summary>
    [Test]
    public void HmcWithAHugeStep_PrintsOneLinePerWarning_AndExitsZero()
    {
        CliRun run = CliRun.Of(SampleModel("--model", "gaussian", "--sampler", "hmc", "--step-size", "50", "--n", "8", "--steps", "200"));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
        Assert.That(ReadCsv().Rows, Has.Length.EqualTo(8));
        Assert.That(run.StderrLines, Has.All.StartsWith("torchebm sample: warning: "));
        string[] prefixes =
        [
            "split R-hat Infinity > 1.01 for x1", "bulk ESS ", "1600 of 1600 transitions after warm-up diverged (in 8 of 8 chains)",
            "8 of 8 chains accepted none of their 200 proposals",
        ];
        Assert.That(run.StderrLines, Has.Length.EqualTo(prefixes.Length), "one line per warning");
        for (int i = 0; i < prefixes.Length; i++)
            Assert.That(run.StderrLines[i], Does.StartWith("torchebm sample: warning: " + prefixes[i]), "in kind order");
        Assert.That(run.Stderr, Does.Contain("R-hat Infinity").And.Contain("1600 of 1600 transitions").And.Contain("8 of 8 chains accepted none"));
        Assert.That(run.Stdout, Does.Contain("note: R-hat compares the chains (and their halves) with each other"));
    }

    [Test]
    public void FailOnWarning_ExitsFour_AndStillWritesTheCsv()
    {
        CliRun run = CliRun.Of(SampleModel("--model", "gaussian", "--sampler", "hmc", "--step-size", "50", "--n", "8", "--steps", "200", "--fail-on-warning"));

        Assert.That(run.ExitCode, Is.EqualTo(4), run.Stderr);
        Assert.That(run.StderrLines, Has.Length.EqualTo(4).And.All.StartsWith("torchebm sample: warning: "));
        Assert.That(ReadCsv().Rows, Has.Length.EqualTo(8));
    }

    /// <summary>A healthy run has nothing to warn about: --fail-on-warning leaves exit 0, no stderr, no explanation line.</summary>
    [Test]
    public void FailOnWarning_OnAHealthyRun_ExitsZero()
    {
        CliRun run = CliRun.Of(SampleModel("--model", "gaussian", "--sampler", "mala", "--warmup", "200", "--steps", "1000", "--n", "4", "--fail-on-warning"));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
        Assert.That(run.Stderr, Is.Empty);
        Assert.That(run.Stdout, Does.Not.Contain("note: R-hat"));
    }

    /// <summary>
    /// --trace DIR: one CmdStan CSV per chain with every kept state; with thin 1 the last row of chain c is its final state,
    /// the row of --out (bit for bit through the R format); HMC's adapted step size and mass in the adaptation lines.
    /// </summary>
    [Test]
    public void Trace_WritesOneStanCsvPerChain_EndingAtTheFinalStates()
    {
        string trace = PathOf("trace");
        CliRun run = CliRun.Of(SampleModel("--model", "gaussian", "--sampler", "hmc", "--warmup", "50", "--steps", "40", "--n", "3", "--trace", trace));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
        Assert.That(run.Stdout, Does.Contain($"wrote the 40 kept states of each chain in CmdStan's CSV layout to {trace} (chain_1.csv .. chain_3.csv)"));
        float[][] final = ReadCsv().Rows;
        for (int c = 0; c < 3; c++)
        {
            string[] lines = File.ReadAllLines(Path.Combine(trace, $"chain_{c + 1}.csv"));
            string[] data = [.. lines.Where(line => !line.StartsWith('#'))];
            Assert.That(data[0], Is.EqualTo("lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,x.1,x.2"));
            Assert.That(data, Has.Length.EqualTo(41));
            Assert.That(lines, Does.Contain("# Adaptation terminated").And.Contain("# Diagonal elements of inverse mass matrix:"));
            float[] last = [.. data[^1].Split(',')[7..].Select(v => float.Parse(v, CultureInfo.InvariantCulture))];
            Assert.That(last, Is.EqualTo(final[c]));
            float lp = float.Parse(data[^1].Split(',')[0], CultureInfo.InvariantCulture);
            Assert.That(lp, Is.EqualTo(-0.5 * (last[0] * last[0] + last[1] * last[1])).Within(1e-5), "lp__ = -E(x) of N(0, I) (up to its constant: none here)");
        }
    }

    /// <summary>--sampler nuts --trace: the sampler columns hold NUTS's own per-draw statistics, not nan, and a dense mass is dense_e.</summary>
    [Test]
    public void NutsTrace_WritesTreeDepthLeapfrogsAndEnergy()
    {
        string trace = PathOf("trace");
        CliRun run = CliRun.Of(SampleModel("--model", "gaussian", "--sampler", "nuts", "--warmup", "150", "--steps", "20", "--n", "2", "--trace", trace));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
        string[] lines = File.ReadAllLines(Path.Combine(trace, "chain_1.csv"));
        Assert.That(lines, Does.Contain("#         metric = dense_e"), "NUTS's default mass is dense in 2 dimensions");
        string[][] rows = [.. lines.Where(line => !line.StartsWith('#')).Skip(1).Select(line => line.Split(','))];
        Assert.That(rows, Has.Length.EqualTo(20));
        foreach (string[] row in rows)
        {
            int depth = int.Parse(row[3], CultureInfo.InvariantCulture), leapfrogs = int.Parse(row[4], CultureInfo.InvariantCulture);
            Assert.That(depth, Is.InRange(1, 10), "treedepth__");
            // Stan counts a doubling whose new half turned back on itself in n_leapfrog__ but not in treedepth__.
            Assert.That(leapfrogs, Is.InRange(1, (2 << depth) - 1), "n_leapfrog__ of a tree of that depth, plus a rejected doubling");
            Assert.That(row[5], Is.EqualTo("0"), "divergent__ on a Gaussian");
            Assert.That(float.IsFinite(float.Parse(row[6], CultureInfo.InvariantCulture)), Is.True, "energy__");
            Assert.That(float.Parse(row[1], CultureInfo.InvariantCulture), Is.InRange(0f, 1f), "accept_stat__");
        }
    }

    [Test]
    public void Trace_WithOneChain_IsUsageError()
    {
        CliRun.Of(SampleModel("--model", "gaussian", "--n", "1", "--trace", PathOf("trace"))).AssertUsageError("sample", "--trace writes the kept states");
        Assert.That(Directory.Exists(PathOf("trace")), Is.False);
    }

    [Test]
    public void ModelAndCheckpoint_IsUsageError()
    {
        CliRun.Of([.. Sample(SaveCheckpoint(), PathOf("s.csv")), "--model", "gaussian"]).AssertUsageError("sample", "give --checkpoint or --model, not both");
        AssertNothingWritten();
    }

    [Test]
    public void NeitherModelNorCheckpoint_IsUsageError()
    {
        CliRun.Of(SampleModel("--n", "10")).AssertUsageError("sample", "give --checkpoint FILE");
        AssertNothingWritten();
    }

    /// <summary>An unparsable number is a usage error naming the option, not a crash (it used to abort the process).</summary>
    [TestCase("--n")]
    [TestCase("--dim")]
    [TestCase("--steps")]
    [TestCase("--step-size")]
    [TestCase("--leapfrog")]
    [TestCase("--warmup")]
    public void UnparsableNumber_IsUsageError(string option)
    {
        CliRun.Of(["sample", "--model", "gaussian", "--sampler", "hmc", "--device", "cpu", "--out", PathOf("s.csv"), option, "x"])
            .AssertUsageError("sample", $"{option} must be {(option == "--step-size" ? "a number" : "an integer")}, got 'x'");
        AssertNothingWritten();
    }

    [Test]
    public void DimWithCheckpoint_IsUsageError()
    {
        CliRun.Of([.. Sample(SaveCheckpoint(), PathOf("s.csv")), "--dim", "2"]).AssertUsageError("sample", "--dim is for --model only");
        AssertNothingWritten();
    }

    [TestCase(null)]
    [TestCase("langevin")]
    [TestCase("mala")]
    public void LeapfrogWithoutHmc_IsUsageError(string? sampler)
    {
        string[] args = SampleModel("--model", "gaussian", "--leapfrog", "5");
        if (sampler is not null) args = [.. args, "--sampler", sampler];
        CliRun.Of(args).AssertUsageError("sample", $"--leapfrog is for --sampler hmc only, not {sampler ?? "langevin"}");
        AssertNothingWritten();
    }

    [TestCase("--sampler hmc --leapfrog 0", "--leapfrog must be at least 1")]
    [TestCase("--warmup -1", "--warmup must be from 0 to")]
    [TestCase("--sampler mala --step-size 0", "--step-size must be positive and finite")]
    [TestCase("--step-size NaN", "--step-size must be positive and finite")]
    [TestCase("--dim 0", "--dim must be at least 1")]
    [TestCase("--sampler gibbs", "--sampler must be one of langevin, mala, hmc, nuts, got 'gibbs'")]
    [TestCase("--sampler nuts --max-depth 0", "--max-depth must be from 1 to 16, got 0")]
    [TestCase("--sampler nuts --max-depth 17", "--max-depth must be from 1 to 16, got 17")]
    [TestCase("--sampler hmc --max-depth 5", "--max-depth is for --sampler nuts only, not hmc")]
    [TestCase("--max-depth 5", "--max-depth is for --sampler nuts only, not langevin")]
    [TestCase("--sampler hmc --sampler mala --leapfrog 3", "--sampler")]
    public void BadSamplerOption_IsUsageError(string options, string message)
    {
        CliRun.Of(SampleModel(["--model", "gaussian", .. options.Split(' ')])).AssertUsageError("sample", message);
        AssertNothingWritten();
    }

    [Test]
    public void UnknownModel_IsUsageError()
    {
        CliRun.Of(SampleModel("--model", "foo")).AssertUsageError("sample", "--model must be one of gaussian, double-well, rosenbrock, harmonic, ackley, rastrigin, got 'foo'");
        AssertNothingWritten();
    }

    [Test]
    public void RosenbrockInOneDimension_IsUsageError_NamingTheDimension()
    {
        CliRun.Of(SampleModel("--model", "rosenbrock", "--dim", "1")).AssertUsageError("sample", "--dim 1 is too small: --model rosenbrock needs --dim 2 or more");
        AssertNothingWritten();
    }

    [Test]
    public void GaussianTooLargeForItsPrecisionMatrix_IsUsageError()
    {
        CliRun.Of(SampleModel("--model", "gaussian", "--dim", "5000")).AssertUsageError("sample", "--dim 5000 is too large for --model gaussian");
        AssertNothingWritten();
    }

    [Test]
    public void StepSizeThatOverflows_WritesCsv_AndExitsDiverged()
    {
        CliRun run = CliRun.Of(Sample(SaveCheckpoint("step_size", "3e38"), PathOf("s.csv")));

        run.AssertOneLine(3, "sample", "NaN or infinite");
        string[] rows = File.ReadAllLines(PathOf("s.csv"));
        Assert.That(rows, Has.Length.EqualTo(11));
        Assert.That(rows.Skip(1).SelectMany(r => r.Split(',')).Any(v => !float.IsFinite(float.Parse(v, System.Globalization.CultureInfo.InvariantCulture))), Is.True);
    }

    [TestCase("input_dim", "two")]
    [TestCase("input_dim", "0")]
    [TestCase("step_size", "fast")]
    [TestCase("step_size", "NaN")]
    [TestCase("noise_scale", "")]
    [TestCase("sample_steps", "-1")]
    [TestCase("sample_steps", "1e3")]
    [TestCase("hidden", "4,x")]
    public void MalformedMetadata_IsUsageError(string key, string value)
    {
        CliRun.Of(Sample(SaveCheckpoint(key, value), PathOf("s.csv"))).AssertUsageError("sample", $"'{key}'");
        AssertNothingWritten();
    }

    [TestCase("3")]
    [TestCase("-1")]
    [TestCase("Swish")]
    public void ActivationNumberOrUnknownName_IsUsageError(string activation)
    {
        CliRun.Of(Sample(SaveCheckpoint("activation", activation), PathOf("s.csv"))).AssertUsageError("sample", "'activation'");
        AssertNothingWritten();
    }

    [Test]
    public void MetadataOfAnotherNetwork_IsUsageError_BeforeAllocating() =>
        CliRun.Of(Sample(SaveCheckpoint("hidden", "40000,40000"), PathOf("s.csv"))).AssertUsageError("sample", "does not match its model card");

    [Test]
    public void NotACheckpoint_IsUsageError()
    {
        File.WriteAllText(PathOf("model.safetensors"), "");
        CliRun.Of(Sample(PathOf("model.safetensors"), PathOf("s.csv"))).AssertUsageError("sample");
    }

    [Test]
    public void MissingCheckpoint_IsUsageError() =>
        CliRun.Of(Sample(PathOf("none.safetensors"), PathOf("s.csv"))).AssertUsageError("sample", "--checkpoint");

    [Test]
    public void OutIsADirectory_IsUsageError_AndLeavesNoTemporary()
    {
        string checkpoint = SaveCheckpoint();
        Directory.CreateDirectory(PathOf("csv"));

        CliRun.Of(Sample(checkpoint, PathOf("csv"))).AssertUsageError("sample", "--out");
        Assert.That(Directory.GetFileSystemEntries(_directory, "*.tmp"), Is.Empty);
    }

    [Test]
    public void OutUnderARegularFile_IsUsageError()
    {
        string checkpoint = SaveCheckpoint();
        File.WriteAllText(PathOf("file"), "");

        CliRun.Of(Sample(checkpoint, PathOf("file/s.csv"))).AssertUsageError("sample", "--out");
        Assert.That(Directory.GetFileSystemEntries(_directory, "*.tmp"), Is.Empty);
    }

    [TestCase("0")]
    [TestCase("2000000000")]
    public void ZeroOrAbsurdN_IsUsageError(string n)
    {
        string[] args = [.. Sample(SaveCheckpoint(), PathOf("s.csv"))];
        args[Array.IndexOf(args, "--n") + 1] = n;
        CliRun.Of(args).AssertUsageError("sample", "--n");
    }

    [TestCase("3")]
    [TestCase("nope")]
    public void BadDevice_IsUsageError(string device)
    {
        string[] args = [.. Sample(SaveCheckpoint(), PathOf("s.csv"))];
        args[Array.IndexOf(args, "--device") + 1] = device;
        CliRun.Of(args).AssertUsageError("sample", "--device");
    }
}

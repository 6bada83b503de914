using System.Text.Json;
using System.Text.RegularExpressions;
using TorchEbm.Checkpoints;

namespace TorchEbm.Tests.Cli;

/// <summary>
/// <c>torchebm train</c> in-process: the divergence path (exit 3, metrics.json with null for NaN), snake_case metrics keys,
/// and every user error as exit 2 with one line on stderr, found before training starts.
/// </summary>
public sealed class TrainCommandTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("torchebm-cli-train-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    /// <summary>A tiny run (a few seconds on two cores), with option values replaced or added ("--name", "value", ...).</summary>
    private static string[] Tiny(string outDir, params string[] overrides)
    {
        var options = new Dictionary<string, string>
        {
            ["--steps"] = "20", ["--batch-size"] = "32", ["--hidden"] = "8", ["--eval-steps"] = "5", ["--device"] = "cpu", ["--out"] = outDir,
        };
        for (int i = 0; i < overrides.Length; i += 2) options[overrides[i]] = overrides[i + 1];
        return ["train", .. options.SelectMany(o => new[] { o.Key, o.Value })];
    }

    [Test]
    public void NonFiniteSamples_ExitDiverged_AndWriteMetricsWithNull()
    {
        CliRun run = CliRun.Of(Tiny(PathOf("run"), "--eval-steps", "20", "--step-size", "3e38"));

        run.AssertOneLine(3, "train", "NaN or infinite");
        using JsonDocument metrics = JsonDocument.Parse(File.ReadAllText(PathOf("run/metrics.json")));
        Assert.Multiple(() =>
        {
            Assert.That(metrics.RootElement.GetProperty("mmd2_model_vs_heldout").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(File.Exists(PathOf("run/model.safetensors")), Is.True);
        });
    }

    [Test]
    public void ExplodingLearningRate_ExitsDiverged_KeepingALoadableCheckpointOfTheLastGoodParameters()
    {
        // Issue 23's case: at --lr 10 the loss reached ~3e26 and the run ended with exit 0.
        CliRun run = CliRun.Of("train", "--lr", "10", "--steps", "300", "--eval-steps", "20", "--device", "cpu", "--out", PathOf("run"));

        run.AssertOneLine(3, "train", "1e8");
        using JsonDocument metrics = JsonDocument.Parse(File.ReadAllText(PathOf("run/metrics.json")));
        int divergedAt = metrics.RootElement.GetProperty("diverged_at").GetInt32();
        float[] losses = [.. metrics.RootElement.GetProperty("loss").EnumerateArray().Select(l => l.GetSingle())];
        using var device = Device.Create(DeviceKind.Cpu);
        using var model = Checkpoint.LoadModel(PathOf("run/model.safetensors"), device);
        using Tensor data = TorchEbm.Datasets.SyntheticDatasets.EightGaussians(device, 256, seed: 0);
        using Tensor energies = model.Forward(data);
        Assert.Multiple(() =>
        {
            Assert.That(divergedAt, Is.LessThan(300), "stopped early");
            Assert.That(losses, Has.Length.EqualTo(divergedAt), "the steps before the bad one");
            Assert.That(losses, Is.All.Matches<float>(l => Math.Abs(l) <= 1e8f));
            Assert.That(energies.ToArray(), Is.All.Matches<float>(e => Math.Abs(e) <= 1e8f), "the kept parameters give energies in range");
        });
    }

    [Test]
    public void Metrics_RecordTheRunsHealthAtEveryTenth()
    {
        CliRun run = CliRun.Of(Tiny(PathOf("run")));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
        using JsonDocument metrics = JsonDocument.Parse(File.ReadAllText(PathOf("run/metrics.json")));
        JsonElement[] health = [.. metrics.RootElement.GetProperty("health").EnumerateArray()];
        Assert.Multiple(() =>
        {
            Assert.That(health.Select(h => h.GetProperty("step").GetInt32()), Is.EqualTo(Enumerable.Range(1, 10).Select(i => 2 * i)));
            Assert.That(health[^1].GetProperty("buffer_age").GetSingle(), Is.GreaterThan(0f), "persistent by default");
            Assert.That(health[^1].GetProperty("probe_acceptance").GetSingle(), Is.InRange(0f, 1f));
            Assert.That(health[^1].GetProperty("energy_gap").GetSingle(),
                Is.EqualTo(health[^1].GetProperty("data_energy").GetSingle() - health[^1].GetProperty("negative_energy").GetSingle()).Within(1e-5f));
            Assert.That(run.Stdout, Does.Contain("step 20/20").And.Contain("probe acceptance"), "the progress line shows it");
        });
    }

    [Test]
    public void Metrics_UseSnakeCaseKeysThroughout()
    {
        CliRun run = CliRun.Of(Tiny(PathOf("run")));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
        using JsonDocument metrics = JsonDocument.Parse(File.ReadAllText(PathOf("run/metrics.json")));
        string[] keys = [.. Keys(metrics.RootElement)];
        Assert.That(keys, Does.Contain("batch_size").And.Contain("mmd2_model_vs_heldout").And.Contain("samples_finite"));
        Assert.That(keys.Where(k => !Regex.IsMatch(k, "^[a-z][a-z0-9]*(_[a-z0-9]+)*$")), Is.Empty);
    }

    [Test]
    public void DenoisingLoss_TrainsAndRecordsItsSigma()
    {
        CliRun run = CliRun.Of(Tiny(PathOf("run"), "--loss", "dsm", "--sigma", "0.25"));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
        using JsonDocument metrics = JsonDocument.Parse(File.ReadAllText(PathOf("run/metrics.json")));
        JsonElement objective = metrics.RootElement.GetProperty("objective");
        IReadOnlyDictionary<string, string> card = Checkpoint.ReadModelCard(PathOf("run/model.safetensors")).Metadata;
        Assert.Multiple(() =>
        {
            Assert.That(run.Stdout, Does.Contain("with dsm (sigma 0.25)"));
            Assert.That(objective.GetProperty("loss").GetString(), Is.EqualTo("dsm"));
            Assert.That(objective.GetProperty("sigma").GetSingle(), Is.EqualTo(0.25f));
            Assert.That(objective.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[] { "loss", "sigma" }), "only the settings dsm uses");
            Assert.That(metrics.RootElement.GetProperty("options").GetProperty("loss").GetString(), Is.EqualTo("dsm"));
            Assert.That(metrics.RootElement.GetProperty("loss").GetArrayLength(), Is.EqualTo(20), "the loss curve");
            Assert.That(card["loss"], Is.EqualTo("dsm"));
            Assert.That(card["sigma"], Is.EqualTo("0.25"));
        });
    }

    [Test]
    public void EquilibriumLoss_TrainsAndRecordsDescentAsItsSampler()
    {
        CliRun run = CliRun.Of(Tiny(PathOf("run"), "--loss", "eqm"));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
        using JsonDocument metrics = JsonDocument.Parse(File.ReadAllText(PathOf("run/metrics.json")));
        JsonElement objective = metrics.RootElement.GetProperty("objective");
        ModelCard card = Checkpoint.ReadModelCard(PathOf("run/model.safetensors"));
        Assert.Multiple(() =>
        {
            Assert.That(run.Stdout, Does.Contain("with eqm (threshold 0.8, multiplier 4, energy scalar)"));
            Assert.That(objective.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[] { "loss", "threshold", "multiplier", "energy" }));
            Assert.That(card.Sampler!.NoiseScale, Is.Zero, "EqM samples by gradient descent: Langevin at noise 0");
            Assert.That(card.Metadata["loss"], Is.EqualTo("eqm"));
        });
    }

    [Test]
    public void EnergyMatchingLoss_TrainsBothPhasesAndRecordsThem()
    {
        CliRun run = CliRun.Of(Tiny(PathOf("run"), "--loss", "em", "--flow-steps", "15", "--sweep-steps", "4"));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
        using JsonDocument metrics = JsonDocument.Parse(File.ReadAllText(PathOf("run/metrics.json")));
        JsonElement objective = metrics.RootElement.GetProperty("objective");
        Assert.Multiple(() =>
        {
            Assert.That(run.Stdout, Does.Contain("with em (flow steps 15, sweep steps 4, epsilon max 0.15, coupling exact_ot)"));
            Assert.That(objective.GetProperty("flow_steps").GetInt32(), Is.EqualTo(15));
            Assert.That(metrics.RootElement.GetProperty("loss").GetArrayLength(), Is.EqualTo(20), "both phases ran");
            Assert.That(metrics.RootElement.GetProperty("samples_finite").GetBoolean(), Is.True);
        });
    }

    [TestCase("--flow-steps", "-1")]
    [TestCase("--sweep-steps", "0")]
    public void EnergyMatchingOptions_OutOfRange_AreUsageErrors(string option, string value)
    {
        CliRun run = CliRun.Of(Tiny(PathOf("run"), "--loss", "em", option, value));

        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Stderr, Does.Contain(option));
    }

    [Test]
    public void DataNoise_IsRecordedAfterTheLossSettings()
    {
        CliRun run = CliRun.Of(Tiny(PathOf("run"), "--loss", "sm", "--data-noise", "0.2"));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
        using JsonDocument metrics = JsonDocument.Parse(File.ReadAllText(PathOf("run/metrics.json")));
        JsonElement objective = metrics.RootElement.GetProperty("objective");
        Assert.Multiple(() =>
        {
            Assert.That(run.Stdout, Does.Contain("with sm (hessian trace exact, data noise 0.2)"));
            Assert.That(objective.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "loss", "hessian_trace", "data_noise" }));
            Assert.That(objective.GetProperty("data_noise").GetSingle(), Is.EqualTo(0.2f));
            Assert.That(metrics.RootElement.GetProperty("options").GetProperty("data_noise").GetSingle(), Is.EqualTo(0.2f));
            Assert.That(Checkpoint.ReadModelCard(PathOf("run/model.safetensors")).Metadata["data_noise"], Is.EqualTo("0.2"));
        });
    }

    [Test]
    public void DefaultLoss_IsContrastiveDivergence_RecordedWithItsSettings()
    {
        CliRun run = CliRun.Of(Tiny(PathOf("run")));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
        using JsonDocument metrics = JsonDocument.Parse(File.ReadAllText(PathOf("run/metrics.json")));
        JsonElement objective = metrics.RootElement.GetProperty("objective");
        Assert.Multiple(() =>
        {
            Assert.That(objective.GetProperty("loss").GetString(), Is.EqualTo("cd"));
            Assert.That(objective.GetProperty("k").GetInt32(), Is.EqualTo(10));
            Assert.That(Checkpoint.ReadModelCard(PathOf("run/model.safetensors")).Metadata["loss"], Is.EqualTo("cd"));
        });
    }

    [TestCase("foo")]
    [TestCase("SM")]
    public void UnknownLoss_IsUsageError_ListingTheLosses(string loss)
    {
        CliRun run = CliRun.Of(Tiny(PathOf("run"), "--loss", loss));

        run.AssertUsageError("train", $"'{loss}'");
        Assert.That(run.Stderr, Does.Contain("'cd' 'sm' 'ssm' 'dsm'"));
        Assert.That(Directory.Exists(PathOf("run")), Is.False, "nothing written for a bad option");
    }

    [TestCase("--sigma", "0")]
    [TestCase("--sigma", "-0.1")]
    [TestCase("--sigma", "nan")]
    [TestCase("--sigma", "Infinity")]
    [TestCase("--sigma", "inf")]
    [TestCase("--data-noise", "-0.1")]
    [TestCase("--data-noise", "nan")]
    [TestCase("--data-noise", "x")]
    [TestCase("--projections", "x")]
    [TestCase("--projections", "0")]
    public void BadLossSetting_IsUsageError_AndWritesNothing(string option, string value)
    {
        CliRun run = CliRun.Of(Tiny(PathOf("run"), "--loss", option == "--sigma" ? "dsm" : "ssm", option, value));

        run.AssertUsageError("train", option);
        Assert.That(Directory.Exists(PathOf("run")), Is.False, "nothing written for a bad option");
    }

    private static IEnumerable<string> Keys(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().SelectMany(p => Keys(p.Value).Prepend(p.Name)),
        JsonValueKind.Array => e.EnumerateArray().SelectMany(Keys),
        _ => [],
    };

    [TestCase("bogus")]
    [TestCase("1")]
    [TestCase("2")]
    public void BadDevice_IsUsageError(string device)
    {
        CliRun.Of(Tiny(PathOf("run"), "--device", device)).AssertUsageError("train", "--device");
        Assert.That(Directory.Exists(PathOf("run")), Is.False, "nothing written for a bad option");
    }

    [Test]
    public void CudaWithoutGpu_IsUsageError()
    {
        if (Device.List().Any(d => d.Kind == DeviceKind.Cuda)) Assert.Ignore("This machine has a CUDA device.");
        CliRun.Of(Tiny(PathOf("run"), "--device", "cuda")).AssertUsageError("train", "CUDA");
    }

    [TestCase("99999999999")]
    [TestCase("100000000")]
    [TestCase("1000000,1000000")]
    [TestCase("64,0")]
    [TestCase("64,x")]
    public void AbsurdOrMalformedHidden_IsUsageError_BeforeTraining(string hidden)
    {
        CliRun run = CliRun.Of(Tiny(PathOf("run"), "--hidden", hidden));

        run.AssertUsageError("train", "--hidden");
        Assert.That(run.Stdout, Does.Not.Contain("Training on"));
    }

    [TestCase("2")]
    [TestCase("moons")]
    public void NumericOrUnknownDataset_IsUsageError(string dataset) =>
        CliRun.Of(Tiny(PathOf("run"), "--dataset", dataset)).AssertUsageError("train", dataset);

    [Test]
    public void UnparsableNumber_IsUsageError_OnOneLine() =>
        CliRun.Of(Tiny(PathOf("run"), "--steps", "many")).AssertUsageError("train", "--steps");

    [Test]
    public void OutUnderARegularFile_IsUsageError_BeforeTraining()
    {
        File.WriteAllText(PathOf("file"), "");
        CliRun run = CliRun.Of(Tiny(PathOf("file/sub")));

        run.AssertUsageError("train", "--out");
        Assert.That(run.Stdout, Does.Not.Contain("Training on"));
    }

    [Test]
    public void OutIsARegularFile_IsUsageError()
    {
        File.WriteAllText(PathOf("file"), "keep");
        CliRun.Of(Tiny(PathOf("file"))).AssertUsageError("train", "--out");
        Assert.That(File.ReadAllText(PathOf("file")), Is.EqualTo("keep"));
    }

    [Test]
    public void OutDirectory_IsCreated_AndLeftWithoutProbe()
    {
        // A bad option after the probe would not do: check the probe on its own through a run that fails on the device.
        CliRun run = CliRun.Of(Tiny(PathOf("new/run"), "--hidden", "1000000,1000000"));

        run.AssertUsageError("train");
        Assert.That(Directory.Exists(PathOf("new/run")), Is.True);
        Assert.That(Directory.GetFileSystemEntries(PathOf("new/run")), Is.Empty, "the write probe is deleted");
    }

    [TestCase("train")]
    [TestCase("sample")]
    public void Help_DocumentsExitCodes(string command)
    {
        CliRun run = CliRun.Of(command, "--help");

        Assert.That(run.ExitCode, Is.EqualTo(0));
        Assert.That(run.Stdout, Does.Contain("Exit codes: 0 ok, 2 usage or input error, 3 diverged (NaN, infinite or exploding loss or samples), " +
                                             "4 sampling warnings (sample --fail-on-warning only), 1 internal error."));
    }
}

using TorchEbm.Autodiff;
using TorchEbm.Checkpoints;
using TorchEbm.Models;

namespace TorchEbm.Tests.Cli;

/// <summary>
/// What a user typing commands meets first: usage without arguments, the nearest command or option for a typo,
/// messages that name the options they typed (never the library's property names), integers asked for as integers,
/// step counts bounded, and a run directory accepted where a checkpoint file is wanted.
/// </summary>
[TestFixture]
public sealed class CliUsageTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("torchebm-cli-usage-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    [Test]
    public void NoArguments_PrintsUsage()
    {
        CliRun run = CliRun.Of();
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
        Assert.That(run.Stdout, Does.Contain("Usage:").And.Contain("train").And.Contain("sample"));
        Assert.That(run.Stderr, Is.Empty);
    }

    [TestCase("trian", "train")]
    [TestCase("sampel", "sample")]
    [TestCase("inof", "info")]
    public void UnknownCommand_SuggestsTheNearest(string typed, string meant)
    {
        CliRun run = CliRun.Of(typed);
        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.StderrLines, Has.Length.EqualTo(1), run.Stderr);
        Assert.That(run.Stderr, Does.StartWith("torchebm: ").And.Contain($"'{typed}'").And.Contain($"did you mean '{meant}'"));
    }

    [Test]
    public void FarFromAnyCommand_ListsTheCommands()
    {
        CliRun run = CliRun.Of("frobnicate");
        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Stderr, Does.Contain("'frobnicate'").And.Contain("train").And.Not.Contain("did you mean"));
    }

    [Test]
    public void UnknownOption_SuggestsTheNearest() =>
        CliRun.Of("sample", "--model", "gaussian", "--n", "4", "--stpes", "3", "--out", "x.csv").AssertUsageError("sample", "did you mean '--steps'");

    [TestCase("train", "--steps")]
    [TestCase("train", "--k")]
    [TestCase("train", "--batch-size")]
    [TestCase("train", "--eval-steps")]
    [TestCase("sample", "--steps")]
    [TestCase("sample", "--n")]
    [TestCase("sample", "--warmup")]
    public void ScientificNotationForACount_SaysAnInteger(string command, string option)
    {
        string[] args = command == "train"
            ? ["train", "--out", PathOf("run"), option, "1e3"]
            : ["sample", "--model", "gaussian", "--out", PathOf("s.csv"), .. option == "--n" ? Array.Empty<string>() : ["--n", "4"], option, "1e3"];
        CliRun run = CliRun.Of(args);
        run.AssertUsageError(command, option);
        Assert.That(run.Stderr, Does.Contain("an integer").And.Contain("'1e3'").And.Not.Contain("System."));
    }

    [TestCase("30000", "20000")]
    [TestCase("15000", "10000")]
    public void BatchSizeBeyondDataOrBuffer_NamesBatchSize(string batch, string limit)
    {
        CliRun run = CliRun.Of("train", "--batch-size", batch, "--steps", "1", "--out", PathOf("run"));
        run.AssertUsageError("train", "--batch-size");
        Assert.That(run.Stderr, Does.Contain(limit).And.Not.Contain("DataSize").And.Not.Contain("BufferSize").And.Not.Contain("Parameter"));
    }

    /// <summary>Values the library refuses are reported under the option the user typed.</summary>
    [TestCase("--lr", "-1")]
    [TestCase("--lr", "0")]
    [TestCase("--step-size", "0")]
    [TestCase("--noise-scale", "-1")]
    [TestCase("--reinit-fraction", "2")]
    [TestCase("--energy-reg", "-1")]
    [TestCase("--input-gain", "0")]
    [TestCase("--k", "-1")]
    [TestCase("--eval-steps", "-1")]
    [TestCase("--steps", "0")]
    [TestCase("--batch-size", "0")]
    public void OutOfRangeTrainingOption_NamesTheOption(string option, string value)
    {
        CliRun run = CliRun.Of(["train", option, value, .. option == "--steps" ? Array.Empty<string>() : ["--steps", "1"], "--out", PathOf("run")]);
        run.AssertUsageError("train", option);
        Assert.That(run.Stderr, Does.Not.Contain("(Parameter"));
        Assert.That(Directory.Exists(PathOf("run")), Is.False, "nothing written");
    }

    /// <summary>Step counts that would run for hours are refused before any work, as --warmup is.</summary>
    [TestCase("--k")]
    [TestCase("--eval-steps")]
    public void HugeStepCount_IsRefusedBeforeTraining(string option)
    {
        CliRun run = CliRun.Of("train", option, int.MaxValue.ToString(), "--steps", "1", "--out", PathOf("run"));
        run.AssertUsageError("train", option);
        Assert.That(run.Stderr, Does.Contain(SamplerSettings.MaxSteps.ToString()));
        Assert.That(run.Stdout, Does.Not.Contain("Training on"));
    }

    /// <summary>A card's sample_steps is the default --steps of sample: bounded as the option is, in the file and in the settings.</summary>
    [Test]
    public void CardSampleStepsBeyondTheBound_IsRejected()
    {
        Assert.That(() => new SamplerSettings(0.01f, 1f, SamplerSettings.MaxSteps + 1),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("steps"));
        string good = PathOf("good.safetensors"), huge = PathOf("huge.safetensors");
        using (Device device = Device.Create(DeviceKind.Cpu))
        using (var model = new NeuralNetworkModel(new MLP(device, 2, [8], 1, seed: 1)))
            Checkpoint.Save(good, model, new SamplerSettings(0.01f, 1f, 5));
        var (tensors, metadata) = SafeTensorsFile.Load(good);
        SafeTensorsFile.Save(huge, tensors, new Dictionary<string, string>(metadata) { ["sample_steps"] = int.MaxValue.ToString() });
        Assert.That(() => Checkpoint.ReadModelCard(huge), Throws.TypeOf<InvalidDataException>().With.Message.Contain("sample_steps"));
        CliRun.Of("sample", "--checkpoint", huge, "--n", "4", "--device", "cpu", "--out", PathOf("s.csv")).AssertUsageError("sample", "sample_steps");
    }

    [Test]
    public void CheckpointDirectory_UsesItsModelFile()
    {
        Directory.CreateDirectory(PathOf("run"));
        using (Device device = Device.Create(DeviceKind.Cpu))
        using (var model = new NeuralNetworkModel(new MLP(device, 2, [8], 1, seed: 1)))
            Checkpoint.Save(PathOf("run/model.safetensors"), model, new SamplerSettings(0.01f, 1f, 5));
        CliRun run = CliRun.Of("sample", "--checkpoint", PathOf("run"), "--n", "4", "--device", "cpu", "--out", PathOf("s.csv"));
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
        Assert.That(File.ReadAllLines(PathOf("s.csv")), Has.Length.EqualTo(5));
    }

    [Test]
    public void CheckpointDirectoryWithoutModel_SaysWhichFileItWants()
    {
        Directory.CreateDirectory(PathOf("empty"));
        CliRun run = CliRun.Of("sample", "--checkpoint", PathOf("empty"), "--n", "4", "--device", "cpu", "--out", PathOf("s.csv"));
        run.AssertUsageError("sample", "--checkpoint");
        Assert.That(run.Stderr, Does.Contain(Path.Combine(PathOf("empty"), "model.safetensors")));
    }
}

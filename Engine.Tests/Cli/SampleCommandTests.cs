using TorchEbm.Autodiff;
using TorchEbm.Checkpoints;

namespace TorchEbm.Tests.Cli;

/// <summary>
/// <c>torchebm sample</c> in-process: a checkpoint with malformed metadata, an activation given as an enum number or an
/// unknown name, and bad paths are exit 2 with one line on stderr; no CSV and no .tmp file is left behind.
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

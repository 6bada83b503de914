using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using TorchEbm.Checkpoints;

namespace TorchEbm.Tests.Cli;

/// <summary>
/// <c>torchebm train</c>'s outputs as a set: each file is written atomically (never truncated), metrics.json is written
/// last and names the run and the SHA-256 of every file it belongs with, the checkpoint carries the same run id, and a
/// run that fails while writing leaves no metrics.json claiming another run's files.
/// </summary>
[TestFixture]
public sealed class TrainArtefactTests
{
    private static readonly string[] Artefacts = ["model.safetensors", "energy.png", "samples.png", "loss.png"];
    private string _directory = null!;
    private string? _mounted;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("torchebm-cli-artefacts-").FullName;

    [TearDown]
    public void DeleteDirectory()
    {
        if (_mounted is not null) Run("umount", _mounted);
        Directory.Delete(_directory, recursive: true);
    }

    private string PathOf(string name) => Path.Combine(_directory, name);

    private static string[] Tiny(string outDir, string seed = "0") =>
        ["train", "--steps", "3", "--batch-size", "16", "--hidden", "8", "--eval-steps", "2", "--device", "cpu", "--seed", seed, "--out", outDir];

    [Test]
    public void Metrics_NameTheRunAndHashEveryArtefact()
    {
        CliRun run = CliRun.Of(Tiny(PathOf("run")));
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);

        using JsonDocument metrics = JsonDocument.Parse(File.ReadAllText(PathOf("run/metrics.json")));
        string runId = metrics.RootElement.GetProperty("run_id").GetString()!;
        Assert.That(runId, Is.Not.Empty);
        Assert.That(Checkpoint.ReadModelCard(PathOf("run/model.safetensors")).Metadata["run_id"], Is.EqualTo(runId));
        var files = metrics.RootElement.GetProperty("files").EnumerateArray()
            .ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("sha256").GetString());
        Assert.That(files.Keys, Is.EquivalentTo(Artefacts));
        foreach (string name in Artefacts)
            Assert.That(files[name], Is.EqualTo(Sha256(PathOf($"run/{name}"))), name);

        CliRun again = CliRun.Of(Tiny(PathOf("run"), seed: "1"));
        Assert.That(again.ExitCode, Is.EqualTo(0), again.Stderr);
        using JsonDocument second = JsonDocument.Parse(File.ReadAllText(PathOf("run/metrics.json")));
        Assert.That(second.RootElement.GetProperty("run_id").GetString(), Is.Not.EqualTo(runId), "each run has its own id");
    }

    /// <summary>A second run into the same --out that fails at a plot (here: a directory in its place) removes the first run's metrics.</summary>
    [Test]
    public void FailureWhileWriting_LeavesNoMetricsOfAnotherRun()
    {
        Assert.That(CliRun.Of(Tiny(PathOf("run"))).ExitCode, Is.EqualTo(0));
        File.Delete(PathOf("run/samples.png"));
        Directory.CreateDirectory(PathOf("run/samples.png"));

        CliRun run = CliRun.Of(Tiny(PathOf("run"), seed: "1"));

        run.AssertUsageError("train", "samples.png");
        Assert.That(File.Exists(PathOf("run/metrics.json")), Is.False, "no metrics.json that would vouch for a mixed set");
        Assert.That(Directory.GetFiles(PathOf("run"), "*.tmp"), Is.Empty);
    }

    /// <summary>The probe's full tmpfs: the run fails with exit 2, every file it left is whole, and no metrics.json vouches for them.</summary>
    [Test]
    public void FullDisk_LeavesNoTruncatedFile()
    {
        string mount = PathOf("small");
        Directory.CreateDirectory(mount);
        if (!OperatingSystem.IsLinux()) Assert.Ignore("tmpfs is Linux's");
        if (!Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mount)) Assert.Ignore("mounting a tmpfs is not allowed here (needs root or CAP_SYS_ADMIN)");
        _mounted = mount;

        CliRun run = CliRun.Of(Tiny(Path.Combine(mount, "run")));

        run.AssertUsageError("train");
        string[] left = Directory.GetFiles(Path.Combine(mount, "run"));
        Assert.That(left.Select(Path.GetFileName), Does.Not.Contain("metrics.json"));
        Assert.That(left.Where(f => f.EndsWith(".tmp", StringComparison.Ordinal)), Is.Empty);
        foreach (string png in left.Where(f => f.EndsWith(".png", StringComparison.Ordinal)))
            Assert.That(File.ReadAllBytes(png)[^8..^4], Is.EqualTo("IEND"u8.ToArray()), $"{Path.GetFileName(png)} is whole");
        if (File.Exists(Path.Combine(mount, "run/model.safetensors")))
            Assert.That(() => Checkpoint.ReadModelCard(Path.Combine(mount, "run/model.safetensors")), Throws.Nothing);
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static bool Run(string program, params string[] args)
    {
        try
        {
            using Process? process = Process.Start(new ProcessStartInfo(program, args) { UseShellExecute = false, RedirectStandardError = true });
            if (process is null) return false;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

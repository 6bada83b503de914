using TorchEbm.Autodiff;
using TorchEbm.Checkpoints;
using TorchEbm.Models;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Distributed;

/// <summary>
/// <c>mpiexec -n R torchebm ...</c> on loopback (MPICH): sharded sampling writes, on 2 and 3 ranks, the very file and
/// report one process writes (analytic energy and fused MLP, each sampler); data-parallel CD and persistent CD on 2 ranks
/// end within float32 reduction-order tolerance of 1 rank; a failing rank ends every rank with its message (no hang);
/// bad input (no MPI library, more ranks than the batch or the chains, a GPU per rank without GPUs) is a clear error.
/// Skipped without mpiexec (Debian: apt-get install mpich) unless TORCHEBM_REQUIRE_MPI=1, as .ci/run sets.
/// </summary>
[Category("Mpi")]
[NonParallelizable]
public sealed class MultiRankTests
{
    /// <summary>
    /// Largest parameter difference allowed between 2 ranks and 1 rank after <see cref="TrainSteps"/> Adam steps. Both
    /// runs draw the same batches, chains and noise; only the float32 sums over the batch differ in order (one sum of B rows
    /// vs two of B/2 added by Allreduce). A sum of n terms carries a rounding error of about sqrt(n) u of its absolute
    /// terms (u = 6e-8; n = 2B = 512 data and negative rows: 1.4e-6), which relative to the gradient is that times the
    /// cancellation kappa = sum |terms| / |sum| (CD subtracts the negatives' energies from the data's). Adam's step
    /// lr m/sqrt(v) is invariant to the gradient's scale, so it moves by about 2 lr 1.4e-6 kappa = 8e-9 kappa per step at
    /// lr 3e-3, and by 4e-7 kappa over 50 steps if every step's error adds up: 1e-5 allows kappa up to 25. (Measured:
    /// 2.4e-7 persistent, 1.5e-6 from the data.) A parameter whose gradient is exactly zero would be moved by rounding
    /// noise alone, up to lr per step: the CLI's energy penalty (0.1) gives the output bias a gradient.
    /// </summary>
    private const float Tolerance = 1e-5f;

    private const int TrainSteps = 50;

    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("torchebm-mpi-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    public static IEnumerable<TestCaseData> SampleCases()
    {
        foreach (string model in new[] { "double-well", "mlp" })
        foreach (string sampler in new[] { "langevin", "mala", "hmc", "nuts" })
            yield return new TestCaseData(model, sampler).SetArgDisplayNames(model, sampler);
    }

    /// <summary>A 2-16-16-1 SiLU network (the fused MLP chain source) with the model card torchebm train writes.</summary>
    private string SaveMlp()
    {
        using Device device = Device.Create(DeviceKind.Cpu);
        using var model = new NeuralNetworkModel(new MLP(device, 2, [16, 16], 1, Activation.SiLU, seed: 3));
        string path = PathOf("mlp.safetensors");
        Checkpoint.Save(path, model, new SamplerSettings(0.01f, 0.5f, 40));
        return path;
    }

    [TestCaseSource(nameof(SampleCases))]
    public void Sample_OnTwoAndThreeRanks_WritesTheFileAndReportOfOneProcess(string model, string sampler)
    {
        MpiLauncher.RequireMpiexec();
        string[] what = model == "mlp" ? ["--checkpoint", SaveMlp()] : ["--model", model, "--steps", "40"];
        // NUTS warms up by default, adapting its mass from all chains only in one process: compared here without warm-up.
        string[] warmup = sampler == "nuts" ? ["--warmup", "0"] : [];
        string[] Args(string output) => ["sample", .. what, "--sampler", sampler, .. warmup, "--n", "31", "--seed", "7", "--device", "cpu", "--out", output];

        MpiLauncher.Result alone = MpiLauncher.Alone(Args(PathOf("1.csv")));
        Assert.That(alone.ExitCode, Is.Zero, alone.Stderr);
        string expected = File.ReadAllText(PathOf("1.csv"));
        foreach (int ranks in new[] { 2, 3 })
        {
            string output = PathOf($"{ranks}.csv");
            MpiLauncher.Result run = MpiLauncher.Ranks(ranks, Args(output));
            Assert.That(run.ExitCode, Is.Zero, run.Stderr);
            Assert.That(File.ReadAllText(output), Is.EqualTo(expected), $"samples of {ranks} ranks");
            Assert.That(run.Stdout.Replace(output, "OUT"), Is.EqualTo(alone.Stdout.Replace(PathOf("1.csv"), "OUT")),
                $"report (acceptance, ESS, R-hat) of {ranks} ranks, printed once by rank 0");
        }
    }

    /// <summary>
    /// NUTS's default warm-up over ranks: the mass (pooled over all chains) is not adapted there, which the report says;
    /// each chain's step size is, and the samples come out.
    /// </summary>
    [Test]
    public void NutsWarmup_OnTwoRanks_AdaptsStepSizesOnly_AndSaysSo()
    {
        MpiLauncher.RequireMpiexec();
        MpiLauncher.Result run = MpiLauncher.Ranks(2, ["sample", "--model", "gaussian", "--sampler", "nuts", "--warmup", "100", "--steps", "20", "--n", "8",
            "--device", "cpu", "--out", PathOf("s.csv")]);
        Assert.That(run.ExitCode, Is.Zero, run.Stderr);
        Assert.That(run.Stdout, Does.Contain("note: over 2 ranks the warm-up adapts each chain's step size but not the mass matrix"));
        Assert.That(File.ReadAllLines(PathOf("s.csv")), Has.Length.EqualTo(9));
    }

    /// <summary>A successful run frees what MPI.NET allocated before MPI_Finalize: MPICH reports no leaked handles on any rank.</summary>
    [Test]
    public void SuccessfulRun_LeaksNoMpiHandles()
    {
        MpiLauncher.RequireMpiexec();
        MpiLauncher.Result run = MpiLauncher.Ranks(2, ["sample", "--model", "gaussian", "--n", "8", "--steps", "5", "--device", "cpu", "--out", PathOf("s.csv")]);
        Assert.That(run.ExitCode, Is.Zero, run.Stderr);
        Assert.That(run.Stderr + run.Stdout, Does.Not.Contain("leaked"));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Train_OnTwoRanks_EndsWithinFloat32ReductionToleranceOfOneRank(bool persistent)
    {
        MpiLauncher.RequireMpiexec();
        // Batch 256: the replay buffer's 10000 rows run out after 39 steps, so the 50 steps also cover its restart at row 0.
        string[] Args(string output) => ["train", "--steps", TrainSteps.ToString(), "--batch-size", "256", "--hidden", "32,32",
            "--persistent", persistent ? "true" : "false", "--eval-steps", "0", "--device", "cpu", "--out", output];

        MpiLauncher.Result one = MpiLauncher.Alone(Args(PathOf("one")));
        Assert.That(one.ExitCode, Is.Zero, one.Stderr);
        MpiLauncher.Result two = MpiLauncher.Ranks(2, Args(PathOf("two")), timeoutSeconds: 240);
        Assert.That(two.ExitCode, Is.Zero, two.Stderr);
        Assert.That(two.Stdout, Does.Contain("2 ranks: one Allreduce of the gradients per step"));
        Assert.That(Directory.GetFiles(PathOf("two")).Select(Path.GetFileName),
            Is.EquivalentTo(new[] { "model.safetensors", "energy.png", "samples.png", "loss.png", "metrics.json" }), "rank 0's files, written once");

        float[] a = Parameters(PathOf("one/model.safetensors")), b = Parameters(PathOf("two/model.safetensors"));
        float largest = a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
        Assert.That(largest, Is.LessThanOrEqualTo(Tolerance), $"largest parameter difference after {TrainSteps} steps");
    }

    private static float[] Parameters(string checkpoint)
    {
        using Device device = Device.Create(DeviceKind.Cpu);
        using NeuralNetworkModel model = Checkpoint.LoadModel(checkpoint, device);
        return [.. model.Parameters().SelectMany(p => p.Value.ToArray())];
    }

    [Test]
    public void Info_OnTwoRanks_TimesTheTrainingAllreduceOnce()
    {
        MpiLauncher.RequireMpiexec();
        MpiLauncher.Result run = MpiLauncher.Ranks(2, ["info"]);
        Assert.That(run.ExitCode, Is.Zero, run.Stderr);
        Assert.That(run.Stdout, Does.Contain("MPI          2 ranks, 2 on ").And.Contain("Allreduce of 4418 floats"));
        Assert.That(run.Stdout.Split('\n').Count(l => l.StartsWith("TorchEbm.Gpu")), Is.EqualTo(1), "printed by rank 0 only");
    }

    [Test]
    public void FailingRank_EndsEveryRankWithItsMessage()
    {
        MpiLauncher.RequireMpiexec();
        // Rank 1 cannot create its device (a malformed layout in its environment) while rank 0 waits for it in a gather.
        string[] args = ["sample", "--model", "double-well", "--n", "10", "--steps", "5", "--device", "cpu", "--out", PathOf("s.csv")];
        MpiLauncher.Result run = MpiLauncher.EachRank([(null, args), (new Dictionary<string, string> { ["TORCHEBM_CPU_LAYOUT"] = "not-a-layout" }, args)],
            timeoutSeconds: 90);
        Assert.That(run.ExitCode, Is.Not.Zero);
        Assert.That(run.Stderr, Does.Contain("torchebm sample (rank 1 of 2): ").And.Contain("TORCHEBM_CPU_LAYOUT"));
        Assert.That(File.Exists(PathOf("s.csv")), Is.False);
    }

    [Test]
    public void NoMpiLibrary_IsUsageErrorNamingTheDebianPackage()
    {
        // As launched by mpiexec (PMI_* set), but the MPI library cannot be loaded: needs no MPI on this machine.
        var environment = new Dictionary<string, string> { ["PMI_RANK"] = "0", ["PMI_SIZE"] = "1", ["TORCHEBM_MPI_LIBRARY"] = "/nonexistent/libmpich.so.12" };
        MpiLauncher.Result run = MpiLauncher.Alone(["sample", "--model", "double-well", "--n", "4", "--out", PathOf("s.csv")], environment);
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Stderr);
        Assert.That(run.Stderr, Does.StartWith("torchebm: No MPI library found").And.Contain("apt-get install mpich"));
    }

    [Test]
    public void MoreRanksThanTheGlobalBatch_IsAClearError()
    {
        MpiLauncher.RequireMpiexec();
        MpiLauncher.Result run = MpiLauncher.Ranks(3, ["train", "--steps", "1", "--batch-size", "2", "--device", "cpu", "--out", PathOf("t")]);
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Stderr);
        Assert.That(run.Stderr, Does.Contain("3 ranks need a --batch-size of at least 3"));
    }

    [Test]
    public void MoreRanksThanChains_IsAClearError()
    {
        MpiLauncher.RequireMpiexec();
        MpiLauncher.Result run = MpiLauncher.Ranks(3, ["sample", "--model", "double-well", "--n", "2", "--device", "cpu", "--out", PathOf("s.csv")]);
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Stderr);
        Assert.That(run.Stderr, Does.Contain("--n 2 is smaller than the 3 ranks"));
    }

    [Test]
    public void GpuPerRankWithoutEnoughGpus_IsAClearError()
    {
        MpiLauncher.RequireMpiexec();
        if (Device.List().Count(d => d.Kind == DeviceKind.Cuda) >= 2) Assert.Ignore("This machine has a GPU for each of 2 ranks.");
        MpiLauncher.Result run = MpiLauncher.Ranks(2, ["sample", "--model", "double-well", "--n", "4", "--device", "cuda", "--out", PathOf("s.csv")]);
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Stderr);
        Assert.That(run.Stderr, Does.Contain("of 2 on").And.Contain("every rank needs its own GPU"));
    }

    [Test]
    public void RanksStartedWithDifferentArguments_IsAClearError()
    {
        MpiLauncher.RequireMpiexec();
        string[] Args(string n) => ["sample", "--model", "double-well", "--n", n, "--device", "cpu", "--out", PathOf("s.csv")];
        MpiLauncher.Result run = MpiLauncher.EachRank([(null, Args("10")), (null, Args("12"))]);
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Stderr);
        Assert.That(run.Stderr, Does.Contain("other arguments than rank 0"));
    }
}

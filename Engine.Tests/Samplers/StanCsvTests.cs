using System.Globalization;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>
/// <see cref="ChainResult.WriteStanCsv"/>: CmdStan's layout read back (comments, header, adaptation lines, one row per
/// kept draw), the values (parameters bit for bit, lp__ = -E(x), the chain's step size) and the argument checks.
/// tools/check_stan_csv.R reads such files with rstan and posterior (by hand, not a test dependency).
/// </summary>
public sealed class StanCsvTests(DeviceKind kind) : DeviceTest(kind)
{
    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("torchebm-stancsv-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    /// <summary>HMC, 3 chains of dimension 2, 50 warm-up and 20 steps thinned by 2: three files, 10 rows each, CmdStan's layout.</summary>
    [Test]
    public void Hmc_WritesOneCmdStanFilePerChain_WithEveryKeptDraw()
    {
        using var model = new GaussianModel(Device, [1f, -1f], new float[,] { { 1f, 0.3f }, { 0.3f, 2f } });
        var options = new SampleOptions { ReturnTrajectory = true, WarmupSteps = 50, Thin = 2, StepSizeAdaptation = StepSizeAdaptation.PerChain };
        using ChainResult r = new HamiltonianMonteCarlo(model, 0.2f, 5, seed: 7).SampleChain(dim: 2, nSteps: 20, nSamples: 3, options);
        IReadOnlyList<string> files = r.WriteStanCsv(_directory);

        Assert.That(files, Is.EqualTo(new[] { "chain_1.csv", "chain_2.csv", "chain_3.csv" }.Select(f => Path.Combine(_directory, f))));
        Assert.That(Directory.GetFiles(_directory), Has.Length.EqualTo(3), "no temporary file left");
        float[] draws = r.Trajectory!.ToArray(), stepSizes = r.Info!.StepSizes.ToArray(), inverseMass = r.Info.InverseMass!.ToArray();
        float[] accept = r.Info.AcceptStat!.ToArray(), leapfrogs = r.Info.Leapfrogs!.ToArray(), divergent = r.Info.Divergent!.ToArray();
        float[] hamiltonian = r.Info.Energy!.ToArray();
        using Tensor rows = r.Trajectory.Reshape(30, 2);
        using Tensor energies = model.Forward(rows);
        float[] e = energies.ToArray();
        for (int c = 0; c < 3; c++)
        {
            Parsed f = Parse(files[c]);
            Assert.That(f.Header, Is.EqualTo(new[] { "lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__", "x.1", "x.2" }));
            Assert.That(f.Config["num_samples"], Is.EqualTo("20"));
            Assert.That(f.Config["num_warmup"], Is.EqualTo("50"));
            Assert.That(f.Config["thin"], Is.EqualTo("2"));
            Assert.That(f.Config["algorithm"], Is.EqualTo("hmc"));
            Assert.That(f.Config["engine"], Is.EqualTo("static"));
            Assert.That(f.Config["metric"], Is.EqualTo("diag_e"));
            Assert.That(f.Config["id"], Is.EqualTo((c + 1).ToString(CultureInfo.InvariantCulture)));
            Assert.That(f.AfterHeader[0], Is.EqualTo("# Adaptation terminated"));
            Assert.That(f.AfterHeader[1], Is.EqualTo($"# Step size = {stepSizes[c].ToString("R", CultureInfo.InvariantCulture)}"));
            Assert.That(f.AfterHeader[2], Is.EqualTo("# Diagonal elements of inverse mass matrix:"));
            Assert.That(f.AfterHeader[3].TrimStart('#', ' ').Split(", ").Select(float.Parse), Is.EqualTo(inverseMass));
            Assert.That(f.Rows, Has.Count.EqualTo(10));
            for (int t = 0; t < 10; t++)
            {
                string[] row = f.Rows[t];
                long draw = (long)t * 3 + c;
                Assert.That(float.Parse(row[7], CultureInfo.InvariantCulture), Is.EqualTo(draws[draw * 2]), "x.1 bit for bit");
                Assert.That(float.Parse(row[8], CultureInfo.InvariantCulture), Is.EqualTo(draws[draw * 2 + 1]), "x.2 bit for bit");
                Assert.That(float.Parse(row[0], CultureInfo.InvariantCulture), Is.EqualTo(-e[draw]), "lp__ = -E(x)");
                Assert.That(float.Parse(row[2], CultureInfo.InvariantCulture), Is.EqualTo(stepSizes[c]), "the chain's step size");
                Assert.That(row[3], Is.EqualTo("nan"), "HMC records no tree depth");
                Assert.That(float.Parse(row[1], CultureInfo.InvariantCulture), Is.EqualTo(accept[draw]), "accept_stat__");
                Assert.That(float.Parse(row[4], CultureInfo.InvariantCulture), Is.EqualTo(leapfrogs[draw]).And.EqualTo(5f), "n_leapfrog__");
                Assert.That(float.Parse(row[5], CultureInfo.InvariantCulture), Is.EqualTo(divergent[draw]), "divergent__");
                Assert.That(float.Parse(row[6], CultureInfo.InvariantCulture), Is.EqualTo(hamiltonian[draw]), "energy__");
            }
        }
    }

    /// <summary>NUTS with its default dense mass (d = 3): CmdStan's nuts engine and dense_e metric, the inverse mass matrix
    /// row by row after the step size, and every sampler column filled from the run's per-draw statistics.</summary>
    [Test]
    public void Nuts_DenseMass_WritesTheMatrixAndTheTreeDepths()
    {
        using var model = new GaussianModel(Device, [1f, -1f, 0f], new float[,] { { 1f, 0.6f, 0f }, { 0.6f, 2f, 0.2f }, { 0f, 0.2f, 0.5f } });
        using ChainResult r = new NoUTurnSampler(model, 0.2f, seed: 4).SampleChain(3, 12, 4, new SampleOptions { ReturnTrajectory = true, WarmupSteps = 100 });
        IReadOnlyList<string> files = r.WriteStanCsv(_directory);
        float[] mass = r.Info!.InverseMass!.ToArray(), depth = r.Info.TreeDepth!.ToArray();
        Assert.That(r.Info.InverseMass.Shape, Is.EqualTo(new[] { 3, 3 }));
        Parsed f = Parse(files[2]);
        Assert.That((f.Config["engine"], f.Config["metric"], f.Config["max_depth"]), Is.EqualTo(("nuts", "dense_e", "10")));
        Assert.That(f.AfterHeader[2], Is.EqualTo("# Elements of inverse mass matrix:"));
        for (int i = 0; i < 3; i++)
            Assert.That(f.AfterHeader[3 + i].TrimStart('#', ' ').Split(", ").Select(v => float.Parse(v, CultureInfo.InvariantCulture)),
                Is.EqualTo(mass.Skip(3 * i).Take(3)), $"row {i}");
        for (int t = 0; t < 12; t++)
        {
            string[] row = f.Rows[t];
            Assert.That(float.Parse(row[3], CultureInfo.InvariantCulture), Is.EqualTo(depth[t * 4 + 2]), "treedepth__");
            Assert.That(row.Take(7), Has.None.EqualTo("nan"), "NUTS records every sampler column");
        }
    }

    /// <summary>Given names become the columns; no warm-up: no adaptation lines (as CmdStan with adaptation off); MALA's algorithm.</summary>
    [Test]
    public void NamesAndNoWarmup_Mala()
    {
        using var model = new HarmonicModel(Device);
        using ChainResult r = new MetropolisAdjustedLangevin(model, 0.3f, seed: 8).SampleChain(2, 6, 2, new SampleOptions { ReturnTrajectory = true });
        IReadOnlyList<string> files = r.WriteStanCsv(_directory, ["mu", "log_sigma"]);
        Parsed f = Parse(files[1]);
        Assert.That(f.Header[^2..], Is.EqualTo(new[] { "mu", "log_sigma" }));
        Assert.That(f.Config["algorithm"], Is.EqualTo("mala"));
        Assert.That(f.Config["engaged"], Is.EqualTo("0"));
        Assert.That(f.AfterHeader, Is.Empty);
        Assert.That(f.Rows, Has.Count.EqualTo(6));
        Assert.That(float.Parse(f.Rows[0][2], CultureInfo.InvariantCulture), Is.EqualTo(0.3f));
    }

    /// <summary>Langevin has no step-size information in its result: stepsize__ is nan too; a second write replaces the files.</summary>
    [Test]
    public void Langevin_WritesNanSamplerColumns_AndRewritesInPlace()
    {
        using var model = new HarmonicModel(Device);
        var sampler = new LangevinDynamics(model, 0.1f, seed: 9);
        using (ChainResult first = sampler.SampleChain(1, 8, 2, new SampleOptions { ReturnTrajectory = true })) first.WriteStanCsv(_directory);
        using ChainResult r = sampler.SampleChain(1, 4, 2, new SampleOptions { ReturnTrajectory = true });
        Parsed f = Parse(r.WriteStanCsv(_directory)[0]);
        Assert.That(f.Config["algorithm"], Is.EqualTo("langevin"));
        Assert.That(f.Rows, Has.Count.EqualTo(4));
        Assert.That(f.Rows.Select(row => row[2]), Is.All.EqualTo("nan"));
        Assert.That(float.Parse(f.Rows[3][7], CultureInfo.InvariantCulture), Is.EqualTo(r.Trajectory!.ToArray()[6]));
    }

    /// <summary>
    /// The plug-in path for per-draw statistics (contract item 1): given them, every sampler column carries its value,
    /// and a NUTS run's header says engine = nuts with its max_depth (rstan reads it as NUTS(diag_e)).
    /// </summary>
    [Test]
    public void PerDrawStatistics_FillTheSamplerColumns_AndNutsHeader()
    {
        float[,] Column(float offset) => new float[,] { { offset, offset + 1 }, { offset + 2, offset + 3 } };
        var statistics = new DrawStatistics(AcceptStat: Column(0.25f), Energy: Column(10f), TreeDepth: Column(3f), Leapfrogs: Column(7f), Divergent: Column(0f));
        var run = new StanCsv.Run([1f, 2f, 3f, 4f], Kept: 2, Chains: 2, Dim: 1, LogDensity: [-1f, -2f, -3f, -4f], statistics, StepSizes: [0.5f, 0.25f],
            InverseMass: [2f], new ChainRunSettings("NoUTurnSampler", WarmupSteps: 10, Steps: 2, Thin: 1, Seed: 9, MaxTreeDepth: 10));
        string[] files = StanCsv.Write(_directory, StanCsv.Names(null, 1), run);
        Parsed second = Parse(files[1]);
        Assert.That(second.Config["engine"], Is.EqualTo("nuts"));
        Assert.That(second.Config["max_depth"], Is.EqualTo("10"));
        Assert.That(second.AfterHeader[1], Is.EqualTo("# Step size = 0.25"));
        Assert.That(second.Rows[0], Is.EqualTo(new[] { "-2", "1.25", "0.25", "4", "8", "1", "11", "2" }));
        Assert.That(second.Rows[1], Is.EqualTo(new[] { "-4", "3.25", "0.25", "6", "10", "3", "13", "4" }));
    }

    [Test]
    public void NonFiniteValues_AreWrittenAsCmdStanDoes() =>
        Assert.That(new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0.5f }.Select(StanCsv.Number),
            Is.EqualTo(new[] { "nan", "inf", "-inf", "-0.5" }));

    [Test]
    public void WithoutTrajectory_Throws_AndWritesNothing()
    {
        using var model = new HarmonicModel(Device);
        using ChainResult r = new MetropolisAdjustedLangevin(model, 0.3f, seed: 8).SampleChain(2, 6, 2);
        string target = Path.Combine(_directory, "out");
        Assert.That(() => r.WriteStanCsv(target), Throws.InvalidOperationException.With.Message.Contains("ReturnTrajectory"));
        Assert.That(Directory.Exists(target), Is.False);
    }

    [TestCase(new[] { "a" }, "1 names")]
    [TestCase(new[] { "a", "a" }, "more than once")]
    [TestCase(new[] { "a", "b,c" }, "commas")]
    [TestCase(new[] { "a", "" }, "non-empty")]
    [TestCase(new[] { "lp__", "b" }, "sampler column")]
    public void BadParameterNames_AreRejected_BeforeWriting(string[] names, string message)
    {
        using var model = new HarmonicModel(Device);
        using ChainResult r = new MetropolisAdjustedLangevin(model, 0.3f, seed: 8).SampleChain(2, 6, 2, new SampleOptions { ReturnTrajectory = true });
        string target = Path.Combine(_directory, "out");
        var ex = Assert.Throws<ArgumentException>(() => r.WriteStanCsv(target, names))!;
        Assert.That(ex.ParamName, Is.EqualTo("parameterNames"));
        Assert.That(ex.Message, Does.Contain(message));
        Assert.That(Directory.Exists(target), Is.False);
    }

    [Test]
    public void EmptyDirectoryOrDisposedResult_AreRejected()
    {
        using var model = new HarmonicModel(Device);
        ChainResult r = new MetropolisAdjustedLangevin(model, 0.3f, seed: 8).SampleChain(2, 6, 2, new SampleOptions { ReturnTrajectory = true });
        Assert.That(Assert.Throws<ArgumentException>(() => r.WriteStanCsv(" "))!.ParamName, Is.EqualTo("directory"));
        r.Dispose();
        Assert.Throws<ObjectDisposedException>(() => r.WriteStanCsv(_directory));
    }

    private sealed record Parsed(Dictionary<string, string> Config, string[] Header, List<string> AfterHeader, List<string[]> Rows);

    /// <summary>Reads a file as rstan does: '#' lines are comments (key = value before the header), the first other line the header.</summary>
    private static Parsed Parse(string path)
    {
        var config = new Dictionary<string, string>();
        string[]? header = null;
        var after = new List<string>();
        var rows = new List<string[]>();
        foreach (string line in File.ReadAllLines(path))
        {
            if (line.StartsWith('#'))
            {
                if (header is not null) after.Add(line);
                else if (line.IndexOf('=') is int eq and > 0) config[line[1..eq].Trim()] = line[(eq + 1)..].Replace("(Default)", "").Trim();
                continue;
            }
            if (header is null) header = line.Split(',');
            else
            {
                string[] row = line.Split(',');
                Assert.That(row, Has.Length.EqualTo(header.Length), "every row has a value per column");
                rows.Add(row);
            }
        }
        Assert.That(header, Is.Not.Null, "a header line");
        return new Parsed(config, header!, after, rows);
    }
}

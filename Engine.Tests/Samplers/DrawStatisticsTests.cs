using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>
/// The per-draw statistics of <see cref="ChainInfo"/> (Stan's accept_stat__, energy__, treedepth__, n_leapfrog__,
/// divergent__): one row per kept state, each checked against what it must be.
/// </summary>
public sealed class DrawStatisticsTests(DeviceKind kind) : DeviceTest(kind)
{
    private const int Dim = 3;

    private GaussianModel Gaussian() =>
        new(Device, [0.5f, -1f, 0f], new float[,] { { 2f, 1f, 0f }, { 1f, 2f, 0.5f }, { 0f, 0.5f, 1f } });

    private static IEnumerable<TestCaseData> Samplers()
    {
        yield return new TestCaseData((Func<BaseModel, Sampler>)(m => new MetropolisAdjustedLangevin(m, 0.4f, seed: 1))).SetArgDisplayNames("MALA");
        yield return new TestCaseData((Func<BaseModel, Sampler>)(m => new HamiltonianMonteCarlo(m, 0.3f, 5, seed: 1))).SetArgDisplayNames("HMC");
        yield return new TestCaseData((Func<BaseModel, Sampler>)(m => new NoUTurnSampler(m, 0.3f, seed: 1))).SetArgDisplayNames("NUTS");
    }

    /// <summary>Without a trajectory nothing per draw is kept; with one, (kept, nSamples) rows, thinned like the trajectory.</summary>
    [TestCaseSource(nameof(Samplers))]
    public void Statistics_AreKeptWithTheTrajectoryOnly(Func<BaseModel, Sampler> create)
    {
        using GaussianModel model = Gaussian();
        Sampler sampler = create(model);
        using (ChainResult none = sampler.SampleChain(Dim, 6, 10))
            Assert.That(new[] { none.Info!.AcceptStat, none.Info.Energy, none.Info.TreeDepth, none.Info.Leapfrogs, none.Info.Divergent },
                Is.All.Null);
        using ChainResult kept = sampler.SampleChain(Dim, 6, 10, new SampleOptions { ReturnTrajectory = true, Thin = 2 });
        ChainInfo info = kept.Info!;
        foreach (Tensor t in new[] { info.AcceptStat!, info.Energy!, info.Divergent! })
            Assert.That(t.Shape, Is.EqualTo(new[] { 3, 10 }));
        Assert.That(info.Leapfrogs is null, Is.EqualTo(sampler is MetropolisAdjustedLangevin), "leapfrog steps for HMC and NUTS");
        Assert.That(info.TreeDepth is null, Is.EqualTo(sampler is not NoUTurnSampler), "tree depth for NUTS only");
        Assert.That(info.AcceptStat!.ToArray(), Is.All.InRange(0f, 1f));
        Assert.That(info.Divergent!.ToArray(), Is.All.EqualTo(0f).Or.EqualTo(1f));
    }

    /// <summary>MALA's energy statistic is E(x) of the draw; its divergences per draw add up to the run's.</summary>
    [Test]
    public void Mala_EnergyIsTheDrawsEnergy()
    {
        using GaussianModel model = Gaussian();
        using ChainResult run = new MetropolisAdjustedLangevin(model, 0.4f, seed: 2)
            .SampleChain(Dim, 8, 16, new SampleOptions { ReturnTrajectory = true });
        using Tensor rows = run.Trajectory!.Reshape(8 * 16, Dim);
        using Tensor energies = model.Forward(rows);
        Assert.That(run.Info!.Energy!.ToArray(), Is.EqualTo(energies.ToArray()).Within(1e-5f));
    }

    /// <summary>
    /// HMC's energy statistic is H0 = E(x_start) + |p|^2 / 2 with p ~ N(0, I): the excess over the previous draw's energy
    /// is a chi-squared with d degrees of freedom halved, never negative, mean d / 2 and variance d / 2 (within 4.5
    /// standard errors over 128 chains x 20 draws); every draw counts the transition's L leapfrog steps.
    /// </summary>
    [Test]
    public void Hmc_EnergyIsTheStartingHamiltonian_AndLeapfrogsAreL()
    {
        const int chains = 128, steps = 20;
        using GaussianModel model = Gaussian();
        using Tensor start = Device.Randn(chains, Dim, seed: 4);
        using ChainResult run = new HamiltonianMonteCarlo(model, 0.3f, 5, seed: 3)
            .SampleChain(Dim, steps, chains, new SampleOptions { ReturnTrajectory = true, InitialSamples = start });
        using Tensor rows = run.Trajectory!.Reshape(steps * chains, Dim);
        using Tensor drawEnergies = model.Forward(rows), startEnergies = model.Forward(start);
        float[] e = drawEnergies.ToArray(), e0 = startEnergies.ToArray(), h0 = run.Info!.Energy!.ToArray();
        var kinetic = new double[steps * chains];
        for (int t = 0; t < steps; t++)
        for (int c = 0; c < chains; c++)
            kinetic[t * chains + c] = h0[t * chains + c] - (t == 0 ? e0[c] : e[(t - 1) * chains + c]);
        Assert.That(kinetic.Min(), Is.GreaterThan(-1e-4), "kinetic energy");
        double mean = kinetic.Average(), se = Math.Sqrt(Dim / 2.0 / kinetic.Length);
        Assert.That(Math.Abs(mean - Dim / 2.0) / se, Is.LessThan(4.5), $"mean kinetic energy {mean}");
        Assert.That(run.Info.Leapfrogs!.ToArray(), Is.All.EqualTo(5f));
    }

    /// <summary>NUTS's leapfrog count lies between the full trees of its depth and of one more doubling (an invalid
    /// subtree's steps count), and the per-draw divergences add up to the run's.</summary>
    [Test]
    public void Nuts_LeapfrogsFitTheTreeDepth_AndDivergencesAddUp()
    {
        using var model = new RosenbrockModel(Device, 1f, 20f);
        using ChainResult run = new NoUTurnSampler(model, 0.15f, seed: 6)
            .SampleChain(2, 40, 32, new SampleOptions { ReturnTrajectory = true });
        float[] depth = run.Info!.TreeDepth!.ToArray(), leapfrogs = run.Info.Leapfrogs!.ToArray(), divergent = run.Info.Divergent!.ToArray();
        for (int i = 0; i < depth.Length; i++)
            Assert.That(leapfrogs[i], Is.InRange((1 << (int)depth[i]) - 1, (1 << ((int)depth[i] + 1)) - 1), $"draw {i}: depth {depth[i]}");
        Assert.That(divergent.Sum(), Is.EqualTo(run.Info.Divergences));
    }
}

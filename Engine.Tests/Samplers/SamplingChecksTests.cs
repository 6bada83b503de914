using TorchEbm.Samplers;
using TorchEbm.Tests.Diagnostics;

namespace TorchEbm.Tests.Samplers;

/// <summary>
/// The warning rules of <see cref="ChainResult.Warnings"/> on host arrays (<see cref="SamplingChecks"/>): each rule fires
/// on the run that breaks it and names what it found, and a healthy run gets none.
/// </summary>
public sealed class SamplingChecksTests
{
    /// <summary>iid draws of 4 chains x 1000 (ESS about 4000 against the 400 needed, R-hat about 1.001), chains that
    /// accepted, no divergence, iid energies (E-BFMI about 2) and trees below the maximum: nothing to say.</summary>
    [Test]
    public void HealthyRun_HasNoWarning()
    {
        Assert.That(SamplingChecks.Warnings(Healthy()), Is.Empty);
    }

    /// <summary>The second of three parameters has one chain offset by 3 sd: one R-hat warning, naming x2 (index 1).</summary>
    [Test]
    public void ChainInAnotherMode_WarnsHighRHat_NamingTheParameter()
    {
        float[,,] draws = Draws(4, 1000, 3, rho: 0, seed: 1);
        for (int t = 0; t < 1000; t++) draws[t, 3, 1] += 3;
        List<SamplingWarning> warnings = SamplingChecks.Warnings(Healthy() with { Draws = draws });
        SamplingWarning rHat = warnings.Single(w => w.Kind == SamplingWarningKind.HighRHat);
        TestContext.Out.WriteLine(rHat.Message);
        Assert.That(rHat.Parameter, Is.EqualTo(1));
        Assert.That(rHat.Message, Does.Contain("x2").And.Contain("> 1.01"));
    }

    /// <summary>AR(1) with rho 0.99: ESS about 4 x 1000 x 0.01 / 1.99 = 20, far below 400 for both bulk and tail.</summary>
    [Test]
    public void SlowlyMixingChains_WarnLowBulkAndTailEss()
    {
        List<SamplingWarning> warnings = SamplingChecks.Warnings(Healthy() with { Draws = Draws(4, 1000, 2, rho: 0.99, seed: 2) });
        foreach (SamplingWarning w in warnings) TestContext.Out.WriteLine(w);
        Assert.That(warnings.Select(w => w.Kind), Does.Contain(SamplingWarningKind.LowBulkEss).And.Contain(SamplingWarningKind.LowTailEss));
        Assert.That(warnings.First(w => w.Kind == SamplingWarningKind.LowBulkEss).Message, Does.Contain("< 400 (100 per chain)"));
    }

    /// <summary>Stan's ESS rule scales with the chains: 400 draws' worth of ESS is fine for 4 chains, not for 8.</summary>
    [Test]
    public void EssThreshold_Is100PerChain()
    {
        float[,,] few = Draws(4, 150, 1, rho: 0, seed: 3), many = Draws(8, 75, 1, rho: 0, seed: 3);
        Assert.That(SamplingChecks.Warnings(Healthy() with { Chains = 4, Draws = few, AcceptanceRate = null, DivergencesPerChain = null, Energy = null, TreeDepth = null })
            .Select(w => w.Kind), Does.Not.Contain(SamplingWarningKind.LowBulkEss), "ESS about 600 >= 400");
        Assert.That(SamplingChecks.Warnings(Healthy() with { Chains = 8, Draws = many, AcceptanceRate = null, DivergencesPerChain = null, Energy = null, TreeDepth = null })
            .Select(w => w.Kind), Does.Contain(SamplingWarningKind.LowBulkEss), "ESS about 600 < 800");
    }

    [Test]
    public void Divergences_AreCountedOverChains()
    {
        SamplingWarning w = SamplingChecks.Warnings(Healthy() with { DivergencesPerChain = [0, 3, 0, 1] }).Single();
        Assert.That(w.Kind, Is.EqualTo(SamplingWarningKind.Divergences));
        Assert.That(w.Message, Does.StartWith("4 of 4000 transitions after warm-up diverged (in 2 of 4 chains)"));
        Assert.That(w.Parameter, Is.Null);
    }

    /// <summary>Chain 2's energies are a slow AR(1) (E-BFMI about 2 (1 - 0.99) = 0.02): one warning naming chain 2.</summary>
    [Test]
    public void PersistentEnergies_WarnLowEnergyBfmi_NamingTheChain()
    {
        float[,] energy = Energy(4, 1000, seed: 4);
        float[,,] slow = Draws(1, 1000, 1, rho: 0.99, seed: 5);
        for (int t = 0; t < 1000; t++) energy[t, 2] = slow[t, 0, 0];
        SamplingWarning w = SamplingChecks.Warnings(Healthy() with { Energy = energy }).Single();
        TestContext.Out.WriteLine(w);
        Assert.That(w.Kind, Is.EqualTo(SamplingWarningKind.LowEnergyBfmi));
        Assert.That(w.Message, Does.Contain("1 of 4 chains").And.Contain("chain 2"));
    }

    /// <summary>Transitions at the maximum depth warn; without the sampler's maximum (the hook unset) nothing is claimed.</summary>
    [Test]
    public void TreeDepthAtTheMaximum_Warns_OnlyWhenTheMaximumIsKnown()
    {
        var depth = new float[1000, 4];
        for (int t = 0; t < 1000; t++) for (int c = 0; c < 4; c++) depth[t, c] = t % 100 == 0 ? 10 : 3;
        SamplingWarning w = SamplingChecks.Warnings(Healthy() with { TreeDepth = depth, MaxTreeDepth = 10 }).Single();
        Assert.That(w.Kind, Is.EqualTo(SamplingWarningKind.TreeDepthSaturated));
        Assert.That(w.Message, Does.StartWith("40 of 4000 transitions stopped at the maximum tree depth 10"));
        Assert.That(SamplingChecks.Warnings(Healthy() with { TreeDepth = depth, MaxTreeDepth = null }), Is.Empty);
        Assert.That(SamplingChecks.Warnings(Healthy() with { TreeDepth = depth, MaxTreeDepth = 11 }), Is.Empty);
    }

    /// <summary>A chain with acceptance 0 after some transitions never moved; after no transition at all nothing is said.</summary>
    [Test]
    public void ChainThatNeverAccepted_Warns_UnlessThereWasNoTransition()
    {
        SamplingWarning w = SamplingChecks.Warnings(Healthy() with { AcceptanceRate = [0.8f, 0f, 0.7f, 0.9f] }).Single();
        Assert.That(w.Kind, Is.EqualTo(SamplingWarningKind.NeverAccepted));
        Assert.That(w.Message, Does.StartWith("1 of 4 chains accepted none of their 1000 proposals"));
        Assert.That(SamplingChecks.Warnings(Healthy() with { AcceptanceRate = [0f, 0f, 0f, 0f], Transitions = 0, Draws = null, Energy = null, TreeDepth = null }),
            Is.Empty);
    }

    [Test]
    public void NonFiniteChains_Warn()
    {
        SamplingWarning w = SamplingChecks.Warnings(Healthy() with { NonFiniteChains = 3 }).Single();
        Assert.That(w.Kind, Is.EqualTo(SamplingWarningKind.NonFiniteChains));
        Assert.That(w.Message, Does.StartWith("3 of 4 chains ended with a NaN or infinite coordinate"));
    }

    /// <summary>A constant dimension has NaN R-hat and ESS (no information): no warning for it, the others are checked.</summary>
    [Test]
    public void ConstantDimension_IsNotWarnedAbout()
    {
        float[,,] draws = Draws(4, 1000, 2, rho: 0, seed: 6);
        for (int t = 0; t < 1000; t++) for (int c = 0; c < 4; c++) draws[t, c, 1] = 1.5f;
        Assert.That(SamplingChecks.Warnings(Healthy() with { Draws = draws }), Is.Empty);
    }

    /// <summary>Fewer than 4 kept draws: R-hat and ESS are not computed (and nothing throws); the other rules still apply.</summary>
    [Test]
    public void ThreeKeptDraws_SkipRHatAndEss()
    {
        List<SamplingWarning> warnings = SamplingChecks.Warnings(Healthy() with { Draws = new float[3, 4, 2], DivergencesPerChain = [1, 0, 0, 0] });
        Assert.That(warnings.Select(w => w.Kind), Is.EqualTo(new[] { SamplingWarningKind.Divergences }));
    }

    /// <summary>
    /// Every chain stuck at a different point (HMC at step size 50: nothing accepted, everything diverged): R-hat +Inf,
    /// ESS far too low, divergences and chains that never moved, in the order of <see cref="SamplingWarningKind"/>.
    /// </summary>
    [Test]
    public void StuckChains_GetEveryRelevantWarning_InKindOrder()
    {
        var draws = new float[1000, 4, 1];
        for (int t = 0; t < 1000; t++) for (int c = 0; c < 4; c++) draws[t, c, 0] = c * 0.37f - 0.5f;
        List<SamplingWarning> warnings = SamplingChecks.Warnings(Healthy() with
        {
            Draws = draws, AcceptanceRate = [0, 0, 0, 0], DivergencesPerChain = [1000, 1000, 1000, 1000], Energy = null,
        });
        foreach (SamplingWarning w in warnings) TestContext.Out.WriteLine(w);
        Assert.That(warnings.Select(w => w.Kind), Is.EqualTo(new[]
        {
            SamplingWarningKind.HighRHat, SamplingWarningKind.LowBulkEss, SamplingWarningKind.Divergences, SamplingWarningKind.NeverAccepted,
        }), "tail ESS is NaN: each 5% indicator is constant per chain");
        Assert.That(warnings[0].Message, Does.StartWith("split R-hat Infinity > 1.01 for x1"));
        Assert.That(warnings[2].Message, Does.StartWith("4000 of 4000 transitions"));
    }

    /// <summary>4 chains x 1000 iid draws of 2 dimensions, 1000 transitions each, acceptance 0.8, iid energies, trees of depth 3 (max 10).</summary>
    private static SamplingChecks.Evidence Healthy()
    {
        var depth = new float[1000, 4];
        for (int t = 0; t < 1000; t++) for (int c = 0; c < 4; c++) depth[t, c] = 3;
        return new SamplingChecks.Evidence
        {
            Chains = 4,
            Draws = Draws(4, 1000, 2, rho: 0, seed: 10),
            Transitions = 1000,
            AcceptanceRate = [0.8f, 0.75f, 0.85f, 0.8f],
            DivergencesPerChain = [0, 0, 0, 0],
            Energy = Energy(4, 1000, seed: 11),
            TreeDepth = depth,
            MaxTreeDepth = 10,
            NonFiniteChains = 0,
        };
    }

    /// <summary>AR(1) chains (draws, chains, dims) in float, each dimension from its own seed.</summary>
    private static float[,,] Draws(int chains, int draws, int dims, double rho, int seed)
    {
        var x = new float[draws, chains, dims];
        for (int j = 0; j < dims; j++)
        {
            double[,,] d = ChainStatisticsTests.Ar1(chains, draws, rho, seed + 100 * j);
            for (int t = 0; t < draws; t++) for (int c = 0; c < chains; c++) x[t, c, j] = (float)d[t, c, 0];
        }
        return x;
    }

    /// <summary>iid energies (draws, chains).</summary>
    private static float[,] Energy(int chains, int draws, int seed)
    {
        double[,,] d = ChainStatisticsTests.Ar1(chains, draws, 0, seed);
        var e = new float[draws, chains];
        for (int t = 0; t < draws; t++) for (int c = 0; c < chains; c++) e[t, c] = (float)(5 + d[t, c, 0]);
        return e;
    }
}

using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary><see cref="ChainResult.Warnings"/> on real runs: a broken HMC warns, a healthy one does not, and what a result lacks is not claimed.</summary>
public sealed class ChainResultWarningsTests(DeviceKind kind) : DeviceTest(kind)
{
    /// <summary>
    /// HMC at step size 50 on N(0, I) (the CLI's `sample --sampler hmc --step-size 50`): every transition diverges, no chain
    /// moves, so R-hat is +Inf and ESS tiny. Before this it returned acceptance 0 and nothing else.
    /// </summary>
    [Test]
    public void HmcWithAHugeStep_WarnsRHatEssDivergencesAndNeverAccepted()
    {
        using var model = new HarmonicModel(Device);
        using ChainResult r = new HamiltonianMonteCarlo(model, 50f, 10, seed: 3)
            .SampleChain(dim: 2, nSteps: 200, nSamples: 8, new SampleOptions { ReturnTrajectory = true });
        foreach (SamplingWarning w in r.Warnings) TestContext.Out.WriteLine(w);
        Assert.That(r.Warnings.Select(w => w.Kind), Is.SupersetOf(new[]
        {
            SamplingWarningKind.HighRHat, SamplingWarningKind.LowBulkEss, SamplingWarningKind.Divergences, SamplingWarningKind.NeverAccepted,
        }));
        Assert.That(r.Warnings.First(w => w.Kind == SamplingWarningKind.Divergences).Message, Does.StartWith("1600 of 1600 transitions"));
        Assert.That(r.Warnings, Is.SameAs(r.Warnings), "computed once, cached");
    }

    /// <summary>Without a trajectory R-hat and ESS cannot be computed: only the acceptance and divergence warnings remain.</summary>
    [Test]
    public void WithoutTrajectory_OnlyWhatCanBeComputedIsChecked()
    {
        using var model = new HarmonicModel(Device);
        using ChainResult r = new HamiltonianMonteCarlo(model, 50f, 10, seed: 3).SampleChain(dim: 2, nSteps: 200, nSamples: 8);
        Assert.That(r.Warnings.Select(w => w.Kind), Is.EqualTo(new[] { SamplingWarningKind.Divergences, SamplingWarningKind.NeverAccepted }));
    }

    /// <summary>
    /// HMC with eps L = 1.5 on N(0, I): per coordinate the draws are AR(1)-like with correlation about cos(1.5) = 0.07,
    /// so 4 chains x 1000 give ESS near 4000 (400 needed) and R-hat near 1.001; no divergence at this step. No warning.
    /// </summary>
    [Test]
    public void HealthyHmc_HasNoWarning()
    {
        using var model = new HarmonicModel(Device);
        using ChainResult r = new HamiltonianMonteCarlo(model, 0.15f, 10, seed: 4)
            .SampleChain(dim: 3, nSteps: 1000, nSamples: 4, new SampleOptions { ReturnTrajectory = true });
        foreach (SamplingWarning w in r.Warnings) TestContext.Out.WriteLine(w);
        Assert.That(r.Warnings, Is.Empty);
    }

    /// <summary>Unadjusted Langevin reports no acceptance: its warnings come from the trajectory alone (too short here to mix).</summary>
    [Test]
    public void Langevin_ShortRun_WarnsFromTheTrajectoryOnly()
    {
        using var model = new HarmonicModel(Device);
        using ChainResult r = new LangevinDynamics(model, 0.01f, seed: 5)
            .SampleChain(dim: 1, nSteps: 100, nSamples: 4, new SampleOptions { ReturnTrajectory = true });
        foreach (SamplingWarning w in r.Warnings) TestContext.Out.WriteLine(w);
        Assert.That(r.Info, Is.Null);
        Assert.That(r.Warnings.Select(w => w.Kind), Does.Contain(SamplingWarningKind.LowBulkEss)); // rho = 0.99 per step: ESS about 2
        Assert.That(r.Warnings.Select(w => w.Kind), Has.None.EqualTo(SamplingWarningKind.Divergences).And.None.EqualTo(SamplingWarningKind.NeverAccepted));
    }

    [Test]
    public void Warnings_OfADisposedResult_Throw()
    {
        using var model = new HarmonicModel(Device);
        ChainResult r = new HamiltonianMonteCarlo(model, 0.1f, 5, seed: 6).SampleChain(dim: 1, nSteps: 10, nSamples: 2);
        r.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _ = r.Warnings);
    }
}

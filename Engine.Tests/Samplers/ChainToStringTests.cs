using System.Globalization;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>ToString of <see cref="ChainInfo"/> and <see cref="ChainDiagnostics"/> shows their values, not the type name (issue 23).</summary>
public sealed class ChainToStringTests(DeviceKind kind) : DeviceTest(kind)
{
    [Test]
    public void ChainInfo_ShowsChainsTransitionsAcceptanceDivergencesStepAndMass()
    {
        using var model = new HarmonicModel(Device);
        using ChainResult r = new HamiltonianMonteCarlo(model, 0.3f, 5, seed: 1).SampleChain(dim: 6, nSteps: 10, nSamples: 4);
        ChainInfo info = r.Info!;
        string text = info.ToString();
        TestContext.Out.WriteLine(text);
        float[] acceptance = info.AcceptanceRate.ToArray();
        Assert.That(text, Does.StartWith($"ChainInfo: 4 chains x 10 transitions, acceptance {info.MeanAcceptance.ToString("F3", CultureInfo.InvariantCulture)} " +
                                         $"({acceptance.Min().ToString("F3", CultureInfo.InvariantCulture)} .. {acceptance.Max().ToString("F3", CultureInfo.InvariantCulture)}), " +
                                         $"{info.Divergences} divergences, step size 0.3 (shared), inverse mass [1, 1, 1, 1, ... (6 in all)]"));
    }

    [Test]
    public void ChainInfo_PerChainStepSizes_ShowTheirRange()
    {
        using var model = new HarmonicModel(Device);
        using ChainResult r = new MetropolisAdjustedLangevin(model, 0.3f, seed: 2)
            .SampleChain(2, 10, 3, new SampleOptions { WarmupSteps = 30, StepSizeAdaptation = StepSizeAdaptation.PerChain });
        float[] steps = r.Info!.StepSizes.ToArray();
        Assert.That(r.Info.ToString(), Does.EndWith(
            $"step size {steps.Min().ToString("G4", CultureInfo.InvariantCulture)} .. {steps.Max().ToString("G4", CultureInfo.InvariantCulture)} (per chain)"));
    }

    [Test]
    public void ChainDiagnostics_ShowsFirstAndLastKeptStep()
    {
        using var model = new HarmonicModel(Device);
        using ChainResult r = new LangevinDynamics(model, 0.1f, seed: 3).SampleChain(2, 5, 8, new SampleOptions { ReturnDiagnostics = true });
        ChainDiagnostics d = r.Diagnostics!;
        float[] energy = d.MeanEnergy.ToArray(), mean = d.Mean.ToArray(), variance = d.Variance.ToArray();
        string G(float v) => v.ToString("G4", CultureInfo.InvariantCulture);
        string text = d.ToString();
        TestContext.Out.WriteLine(text);
        Assert.That(text, Is.EqualTo($"ChainDiagnostics: 5 kept steps, dim 2; first: mean energy {G(energy[0])}, mean [{G(mean[0])}, {G(mean[1])}], " +
                                     $"variance [{G(variance[0])}, {G(variance[1])}]; last: mean energy {G(energy[4])}, mean [{G(mean[8])}, {G(mean[9])}], " +
                                     $"variance [{G(variance[8])}, {G(variance[9])}]"));
    }

    [Test]
    public void Disposed_SayDisposed_InsteadOfThrowing()
    {
        using var model = new HarmonicModel(Device);
        ChainResult r = new MetropolisAdjustedLangevin(model, 0.3f, seed: 4).SampleChain(2, 5, 2, new SampleOptions { ReturnDiagnostics = true });
        r.Dispose();
        Assert.That(r.Info!.ToString(), Is.EqualTo("ChainInfo (disposed)"));
        Assert.That(r.Diagnostics!.ToString(), Is.EqualTo("ChainDiagnostics (disposed)"));
    }
}

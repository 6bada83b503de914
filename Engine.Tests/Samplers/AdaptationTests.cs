using TorchEbm.Diagnostics;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>
/// Warm-up adaptation: dual averaging reaches the target acceptance, the diagonal mass matrix pays off in effective
/// samples per gradient evaluation, and Stan's windows are laid out as Stan lays them.
/// </summary>
public sealed class AdaptationTests(DeviceKind kind) : DeviceTest(kind)
{
    private const int Dim = 10;

    /// <summary>Variances log-spaced from 0.01 to 1 (100x): a diagonal Gaussian, ill-conditioned for one step size.</summary>
    private static float[] Variances() => Enumerable.Range(0, Dim).Select(i => (float)Math.Pow(100, (double)i / (Dim - 1)) / 100f).ToArray();

    private GaussianModel IllConditionedGaussian()
    {
        float[] variances = Variances();
        var cov = new float[Dim, Dim];
        for (int i = 0; i < Dim; i++) cov[i, i] = variances[i];
        return new GaussianModel(Device, new float[Dim], cov);
    }

    private static IEnumerable<TestCaseData> Targets()
    {
        foreach (string model in new[] { "gaussian", "double-well" })
        {
            yield return new TestCaseData(model, (Func<BaseModel, Sampler>)(m => new MetropolisAdjustedLangevin(m, 0.5f, seed: 3)), 0.574f)
                .SetArgDisplayNames($"MALA, {model}");
            yield return new TestCaseData(model, (Func<BaseModel, Sampler>)(m => new HamiltonianMonteCarlo(m, 0.5f, 5, seed: 3)), 0.65f)
                .SetArgDisplayNames($"HMC, {model}");
        }
    }

    /// <summary>
    /// From a step size far too large (0.5), 1000 warm-up steps adapting one step size shared by all chains bring the
    /// mean acceptance over the next 400 steps of 256 chains within 0.05 of the sampler's default target (HMC with its
    /// default step-size jitter and mass adaptation).
    /// </summary>
    [TestCaseSource(nameof(Targets))]
    public void SharedWarmup_ReachesTheTargetAcceptance(string modelName, Func<BaseModel, Sampler> create, float target)
    {
        using BaseModel model = modelName == "gaussian" ? IllConditionedGaussian() : new DoubleWellModel(Device);
        using ChainResult result = create(model).SampleChain(Dim, 400, 256,
            new SampleOptions { WarmupSteps = 1000, StepSizeAdaptation = StepSizeAdaptation.Shared });
        Assert.That(result.Info!.MeanAcceptance, Is.EqualTo(target).Within(0.05f), $"step size {result.Info.StepSizes.ToArray()[0]}");
        Assert.That(result.Info.Divergences, Is.LessThan(256 * 400 / 100), "warm-up left the step size sane");
    }

    /// <summary>
    /// Per-chain adaptation is single-chain dual averaging (Stan's): each chain settles on its own step size from its own
    /// noisy acceptance, and the averaged step lands on the safe side, so acceptance ends at or somewhat above the
    /// target (measured 0.73-0.75 for HMC at 0.65), never below it by more than 0.05.
    /// </summary>
    [TestCaseSource(nameof(Targets))]
    public void PerChainWarmup_GivesEachChainItsStepSize_AtOrAboveTheTarget(string modelName, Func<BaseModel, Sampler> create, float target)
    {
        using BaseModel model = modelName == "gaussian" ? IllConditionedGaussian() : new DoubleWellModel(Device);
        using ChainResult result = create(model).SampleChain(Dim, 400, 256,
            new SampleOptions { WarmupSteps = 1000, StepSizeAdaptation = StepSizeAdaptation.PerChain });
        float[] steps = result.Info!.StepSizes.ToArray();
        Assert.That(steps, Has.Length.EqualTo(256).And.All.GreaterThan(0f));
        Assert.That(steps.Distinct().Count(), Is.GreaterThan(200), "the chains' step sizes differ");
        Assert.That(result.Info.MeanAcceptance, Is.InRange(target - 0.05f, target + 0.15f));
    }

    /// <summary>
    /// HMC (3 leapfrog steps) on the 10-D Gaussian whose variances span 100x: with the adapted diagonal mass the worst
    /// dimension's effective sample size per gradient evaluation is at least 3x that of step-size adaptation alone.
    /// The adapted inverse mass matches the variances within 20%.
    /// </summary>
    [Test]
    public void MassAdaptation_TriplesEffectiveSamplesPerGradient()
    {
        using GaussianModel model = IllConditionedGaussian();
        float Ess(bool adaptMass, out float[] inverseMass)
        {
            var sampler = new HamiltonianMonteCarlo(model, 0.1f, 3, seed: 9);
            using ChainResult result = sampler.SampleChain(Dim, 500, 64,
                new SampleOptions { WarmupSteps = 1000, AdaptMass = adaptMass, ReturnTrajectory = true });
            inverseMass = result.Info!.InverseMass!.ToArray();
            return ChainStatistics.EffectiveSampleSize(result.Trajectory!).Min(); // same gradient count in both runs
        }
        float without = Ess(adaptMass: false, out float[] unit);
        float with = Ess(adaptMass: true, out float[] adapted);
        TestContext.Out.WriteLine($"min ESS: {without} without mass adaptation, {with} with");
        Assert.That(unit, Is.All.EqualTo(1f), "without adaptation the mass stays the identity");
        float[] variances = Variances();
        for (int i = 0; i < Dim; i++) Assert.That(adapted[i], Is.EqualTo(variances[i]).Within(20).Percent, $"inverse mass [{i}]");
        Assert.That(with, Is.GreaterThanOrEqualTo(3 * without));
    }
}

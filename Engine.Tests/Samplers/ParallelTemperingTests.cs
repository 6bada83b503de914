using TorchEbm.Diagnostics;
using TorchEbm.Kernels.Random;
using TorchEbm.Kernels.Samplers.Lanes;
using TorchEbm.Launch;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>
/// Parallel tempering: it crosses between separated modes where HMC alone stays, its swaps accept as the closed form
/// says, every inner transition stays exact at beta = 1, reruns are bit-identical, and bad input is refused.
/// </summary>
public sealed class ParallelTemperingTests(DeviceKind kind) : DeviceTest(kind)
{
    /// <summary>
    /// The acceptance case of issue 26: two unit Gaussians at (-10, 0) and (10, 0) with weights 0.3 / 0.7, every chain
    /// started at the lighter mode's centre. The weight of the right mode is estimated by the mean of the indicator
    /// x_0 &gt; 0 over the beta = 1 draws; its standard error is sqrt(p (1 - p) / ESS), with ESS Stan's bulk effective sample
    /// size of the indicator over the chains (rank normalisation leaves a two-valued series' autocorrelation unchanged).
    /// PT recovers 0.7 within 3 standard errors; HMC alone, the same transition from the same starts, never leaves the light
    /// mode (the energy barrier between the modes is ~50 nats).
    /// </summary>
    [Test]
    [Category("Slow")]
    public void CrossingModes_TemperingRecoversTheWeights_HmcAloneStaysInTheLightMode()
    {
        const int chains = 64, steps = 2000, thin = 2;
        using var model = new TwoGaussiansModel(Device);
        using Tensor start = Device.FromArray(Enumerable.Range(0, chains).SelectMany(_ => new[] { -10f, 0f }).ToArray(), chains, 2);
        var hmc = new HamiltonianMonteCarlo(model, stepSize: 0.5f, nLeapfrogSteps: 5, seed: 3);
        var options = new SampleOptions { InitialSamples = start, WarmupSteps = 1000, ReturnTrajectory = true, Thin = thin, AdaptMass = false };

        var pt = new ParallelTempering(model, nReplicas: 8, sampler: hmc, swapEvery: 5, seed: 3);
        using (ChainResult tempered = pt.SampleChain(dim: 2, nSteps: steps, nSamples: chains, options: options))
        {
            (double weight, double standardError) = RightModeWeight(tempered.Trajectory!.ToArray(), steps / thin, chains);
            TestContext.Out.WriteLine($"PT: right-mode weight {weight:F4} +- {standardError:F4}; ladder {string.Join(", ", tempered.Tempering!.InverseTemperatures)}; " +
                $"swap acceptance {string.Join(", ", tempered.Tempering.SwapAcceptance.Select(a => a.ToString("F3")))}; round trips {tempered.Tempering.RoundTrips.Sum()}");
            Assert.That(standardError, Is.LessThan(0.03), "too few effective draws for the test to tell the weights apart");
            Assert.That(Math.Abs(weight - 0.7), Is.LessThan(3 * standardError),
                $"right-mode weight {weight:F3} +- {standardError:F3} (ESS-based standard error), expected 0.7");
            TemperingInfo info = tempered.Tempering!;
            Assert.That(info.RoundTrips.Sum(), Is.GreaterThan(0), "no replica travelled the ladder and back");
            Assert.That(info.SwapAcceptance, Has.All.InRange(0.05f, 1f), "a pair of the adapted ladder (almost) never swaps");
        }

        // HMC alone: the transition PT runs at beta = 1 (step 0.5, 5 leapfrogs: no warm-up adaptation, whose step-size
        // search may try steps long enough to jump the gap), for as many steps as PT's warm-up and sampling together.
        const int aloneSteps = 3000;
        using ChainResult alone = hmc.SampleChain(dim: 2, nSteps: aloneSteps, nSamples: chains,
            options: new SampleOptions { InitialSamples = start, ReturnTrajectory = true, Thin = thin });
        (double stuck, _) = RightModeWeight(alone.Trajectory!.ToArray(), aloneSteps / thin, chains);
        Assert.That(stuck, Is.EqualTo(0.0), "HMC alone crossed a 50-nat barrier");
    }

    /// <summary>The fraction of draws with x_0 &gt; 0 and its ESS-based standard error (see the crossing test).</summary>
    private static (double Weight, double StandardError) RightModeWeight(float[] trajectory, int kept, int chains)
    {
        var indicator = new double[kept, chains, 1];
        double sum = 0;
        for (int t = 0; t < kept; t++)
        for (int c = 0; c < chains; c++)
        {
            double right = trajectory[(t * chains + c) * 2] > 0f ? 1 : 0;
            indicator[t, c, 0] = right;
            sum += right;
        }
        double weight = sum / (kept * chains);
        if (weight is 0 or 1) return (weight, 0);
        double ess = ChainStatistics.EffectiveSampleSize(indicator)[0];
        return (weight, Math.Sqrt(weight * (1 - weight) / ess));
    }

    /// <summary>
    /// Two replicas of the standard 2-D Gaussian at beta_0 = 1 and beta_1: their energies are Exp(beta_0) and Exp(beta_1)
    /// distributed (half a chi-square with 2 degrees of freedom over beta), so the swap acceptance E[min(1, alpha)],
    /// log alpha = (beta_0 - beta_1)(E_0 - E_1), is P(E_0 &gt;= E_1) + E[alpha; E_0 &lt; E_1] = 2 beta_1 / (beta_0 + beta_1)
    /// = 0.4 for beta_1 = 1/4. Each chain's mean acceptance over its swap rounds is one replicate; the standard error is
    /// their standard deviation over sqrt(chains).
    /// </summary>
    [Test]
    public void SwapAcceptance_OfTwoGaussianReplicas_MatchesTheClosedForm()
    {
        const int chains = 256;
        using var model = new HarmonicModel(Device);
        var hmc = new HamiltonianMonteCarlo(model, stepSize: 0.4f, nLeapfrogSteps: 8, seed: 5);
        var pt = new ParallelTempering(model, temperatures: [1f, 4f], sampler: hmc, swapEvery: 4, seed: 5);
        using ChainResult result = pt.SampleChain(dim: 2, nSteps: 800, nSamples: chains, options: new SampleOptions { WarmupSteps = 200 });
        TemperingInfo info = result.Tempering!;
        Assert.That(info.InverseTemperatures, Is.EqualTo(new[] { 1f, 0.25f }), "two levels: nothing to adapt");
        Assert.That(info.SwapRounds, Is.EqualTo(199));
        double[] perChain = Enumerable.Range(0, chains).Select(c => (double)info.ChainSwapAcceptance[c, 0]).ToArray();
        double mean = perChain.Average();
        double standardError = Math.Sqrt(perChain.Sum(a => (a - mean) * (a - mean)) / (chains - 1) / chains);
        Assert.That(info.SwapAcceptance[0], Is.EqualTo(mean).Within(1e-5));
        TestContext.Out.WriteLine($"swap acceptance {mean:F4} +- {standardError:F4} (closed form 0.4)");
        Assert.That(standardError, Is.LessThan(0.01));
        Assert.That(Math.Abs(mean - 0.4), Is.LessThan(3 * standardError), $"swap acceptance {mean:F4} +- {standardError:F4}, closed form 0.4");
    }

    /// <summary>
    /// Warm-up moves a bad ladder to the equal-swap-rate one. For replicas of the standard 2-D Gaussian the closed form
    /// above gives pair (k, k + 1) the acceptance 2 rho / (1 + rho), rho = beta_{k+1} / beta_k, so the rates are equal
    /// exactly on the geometric ladder beta_k = 64^(-k/3) (every pair 0.4). Starting from temperatures 1, 1.05, 1.1, 64
    /// (closed-form acceptances 0.98, 0.98, 0.03), the adapted ladder lands within 5% of the geometric one (the rest is
    /// the noise of the warm-up's estimates), and each pair's acceptance over the returned steps is its closed form at the
    /// adapted ladder within 3 standard errors (over chains).
    /// </summary>
    [Test]
    public void LadderAdaptation_FromABadLadder_ReachesEqualSwapRates()
    {
        const int chains = 128;
        using var model = new HarmonicModel(Device);
        var hmc = new HamiltonianMonteCarlo(model, stepSize: 0.4f, nLeapfrogSteps: 8, seed: 3);
        var pt = new ParallelTempering(model, temperatures: [1f, 1.05f, 1.1f, 64f], sampler: hmc, swapEvery: 2, seed: 3);
        using ChainResult result = pt.SampleChain(dim: 2, nSteps: 400, nSamples: chains, options: new SampleOptions { WarmupSteps = 1000 });
        TemperingInfo info = result.Tempering!;
        float[] beta = info.InverseTemperatures;
        TestContext.Out.WriteLine($"adapted ladder {string.Join(", ", beta)}; swap acceptance {string.Join(", ", info.SwapAcceptance)}");
        for (int k = 0; k < 4; k++)
            Assert.That(beta[k], Is.EqualTo(Math.Pow(64, -k / 3.0)).Within(5).Percent, $"level {k}");
        for (int k = 0; k < 3; k++)
        {
            double rho = (double)beta[k + 1] / beta[k], expected = 2 * rho / (1 + rho);
            double[] perChain = Enumerable.Range(0, chains).Select(c => (double)info.ChainSwapAcceptance[c, k]).ToArray();
            double mean = perChain.Average(), standardError = Math.Sqrt(perChain.Sum(a => (a - mean) * (a - mean)) / (chains - 1) / chains);
            Assert.That(Math.Abs(mean - expected), Is.LessThan(3 * standardError), $"pair {k}: {mean:F4} +- {standardError:F4}, closed form {expected:F4}");
        }
    }

    private static IEnumerable<TestCaseData> ExactInnerSamplers()
    {
        yield return new TestCaseData((Func<BaseModel, Sampler>)(m => new MetropolisAdjustedLangevin(m, stepSize: 0.5f, seed: 1))).SetArgDisplayNames("MALA");
        yield return new TestCaseData((Func<BaseModel, Sampler>)(m => new HamiltonianMonteCarlo(m, stepSize: 0.4f, nLeapfrogSteps: 6, seed: 1))).SetArgDisplayNames("HMC");
        yield return new TestCaseData((Func<BaseModel, Sampler>)(m => new NoUTurnSampler(m, stepSize: 0.5f, maxTreeDepth: 4, seed: 1))).SetArgDisplayNames("NUTS");
    }

    /// <summary>
    /// Every Metropolis inner transition, tempered and swapped, leaves the beta = 1 replica on N(0, I): the pooled second
    /// moment of the draws is 1 within 3 standard errors, sqrt(Var(x^2) / ESS) with Var(x^2) = 2 and ESS Stan's bulk
    /// ESS of x^2 per coordinate.
    /// </summary>
    [TestCaseSource(nameof(ExactInnerSamplers))]
    public void EveryExactInnerSampler_KeepsTheColdReplicaOnTheTarget(Func<BaseModel, Sampler> inner)
    {
        const int chains = 128, steps = 400;
        using var model = new HarmonicModel(Device);
        var pt = new ParallelTempering(model, nReplicas: 3, sampler: inner(model), maxTemperature: 9f, swapEvery: 2, seed: 7);
        using ChainResult result = pt.SampleChain(dim: 2, nSteps: steps, nSamples: chains,
            options: new SampleOptions { WarmupSteps = 100, ReturnTrajectory = true });
        float[] draws = result.Trajectory!.ToArray();
        var squares = new double[steps, chains, 2];
        for (int t = 0; t < steps; t++)
        for (int c = 0; c < chains; c++)
        for (int i = 0; i < 2; i++)
            squares[t, c, i] = draws[(t * chains + c) * 2 + i] * (double)draws[(t * chains + c) * 2 + i];
        float[] ess = ChainStatistics.EffectiveSampleSize(squares);
        for (int i = 0; i < 2; i++)
        {
            double moment = Enumerable.Range(0, steps).SelectMany(t => Enumerable.Range(0, chains).Select(c => squares[t, c, i])).Average();
            double standardError = Math.Sqrt(2.0 / ess[i]);
            Assert.That(Math.Abs(moment - 1), Is.LessThan(3 * standardError), $"E[x_{i}^2] = {moment:F4} +- {standardError:F4}, expected 1");
        }
        Assert.That(result.Tempering!.SwapAcceptance, Has.All.InRange(0.2f, 1f));
    }

    private static IEnumerable<TestCaseData> InnerSamplers() =>
        ExactInnerSamplers().Prepend(new TestCaseData((Func<BaseModel, Sampler>)(m => new LangevinDynamics(m, stepSize: 0.05f, seed: 1))).SetArgDisplayNames("Langevin"));

    /// <summary>The same seed gives bit-identical samples, trajectory and swap statistics (and another seed others).</summary>
    [TestCaseSource(nameof(InnerSamplers))]
    public void Reruns_WithASeed_AreBitIdentical(Func<BaseModel, Sampler> inner)
    {
        using var model = new HarmonicModel(Device); // the exactness test's kernels, compiled once per fixture
        ChainResult Run(long seed) => new ParallelTempering(model, nReplicas: 4, sampler: inner(model), swapEvery: 3, seed: seed)
            .SampleChain(dim: 2, nSteps: 40, nSamples: 16, options: new SampleOptions { WarmupSteps = 30, ReturnTrajectory = true, ReturnDiagnostics = true });
        using ChainResult first = Run(11), second = Run(11), other = Run(12);
        Assert.That(second.Samples.ToArray(), Is.EqualTo(first.Samples.ToArray()));
        Assert.That(second.Trajectory!.ToArray(), Is.EqualTo(first.Trajectory!.ToArray()));
        Assert.That(second.Tempering!.InverseTemperatures, Is.EqualTo(first.Tempering!.InverseTemperatures));
        Assert.That(second.Tempering.ChainSwapAcceptance, Is.EqualTo(first.Tempering.ChainSwapAcceptance));
        Assert.That(second.Tempering.RoundTrips, Is.EqualTo(first.Tempering.RoundTrips));
        Assert.That(other.Samples.ToArray(), Is.Not.EqualTo(first.Samples.ToArray()));
        Assert.That(first.Samples.Shape, Is.EqualTo(new[] { 16, 2 }));
        Assert.That(first.Trajectory.Shape, Is.EqualTo(new[] { 40, 16, 2 }));
        Assert.That(first.Samples.ToArray(), Has.All.Matches<float>(float.IsFinite));
        Assert.That(first.Trajectory.ToArray().TakeLast(32), Is.EqualTo(first.Samples.ToArray()), "the last kept draws are the returned samples");
        // Diagnostics are over the beta = 1 draws: the last kept step's mean is the mean of the returned samples.
        Assert.That(first.Diagnostics!.Mean.Shape, Is.EqualTo(new[] { 40, 2 }));
        float[] samples = first.Samples.ToArray(), lastMean = first.Diagnostics.Mean.ToArray()[^2..];
        Assert.That(lastMean[0], Is.EqualTo(Enumerable.Range(0, 16).Average(c => samples[2 * c])).Within(1e-5));
    }

    /// <summary>
    /// On the CPU the tempered chains run the host SIMD twin (<see cref="LaneTempered{TLane}"/>); with the normals drawn by the
    /// scalar Box-Muller it is the ILGPU kernel bit for bit (13 chains of 3 replicas: a partial group of eight lanes), and
    /// with its vector normals it differs, so it really ran.
    /// </summary>
    [TestCase("langevin")]
    [TestCase("mala")]
    [TestCase("hmc")]
    [TestCase("hmc, dense mass")]
    [TestCase("nuts")]
    [NonParallelizable] // sets Philox8.ScalarNormals, a process-wide switch
    public void HostTwin_WithScalarNormals_EqualsTheKernel_BitForBit(string inner)
    {
        if (Device.Kind != DeviceKind.Cpu) Assert.Ignore("the host SIMD twin runs on the CPU device only");
        Assume.That(CpuChains.IsSupported, "no 256-bit vectors here: chains keep the ILGPU kernel");
        ChainResult Run(BaseModel model)
        {
            Sampler sampler = inner switch
            {
                "langevin" => new LangevinDynamics(model, stepSize: 0.02f, seed: 2),
                "mala" => new MetropolisAdjustedLangevin(model, stepSize: 0.1f, seed: 2),
                "hmc, dense mass" => new HamiltonianMonteCarlo(model, stepSize: 0.1f, nLeapfrogSteps: 3, mass: MassMatrix.Dense, seed: 2),
                "nuts" => new NoUTurnSampler(model, stepSize: 0.2f, maxTreeDepth: 5, seed: 2), // dense mass at d = 3
                _ => new HamiltonianMonteCarlo(model, stepSize: 0.1f, nLeapfrogSteps: 3, seed: 2),
            };
            return new ParallelTempering(model, nReplicas: 3, sampler: sampler, swapEvery: 3, seed: 9)
                .SampleChain(dim: 3, nSteps: 12, nSamples: 13, options: new SampleOptions { WarmupSteps = 9, ReturnTrajectory = true });
        }
        static int[] Bits(Tensor t) => t.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
        using BaseModel twin = new DoubleWellModel(Device, 1f, 2f), kernel = new DoubleWellModel(Device, 1f, 2f), vector = new DoubleWellModel(Device, 1f, 2f);
        kernel.Source!.HostSimd = false;
        using ChainResult withVectorNormals = Run(vector);
        Philox8.ScalarNormals = true;
        try
        {
            using ChainResult a = Run(twin), b = Run(kernel);
            Assert.That(Bits(a.Trajectory!), Is.EqualTo(Bits(b.Trajectory!)), "trajectory");
            Assert.That(Bits(a.Samples), Is.EqualTo(Bits(b.Samples)), "samples");
            Assert.That(a.Tempering!.InverseTemperatures, Is.EqualTo(b.Tempering!.InverseTemperatures), "adapted ladder");
            Assert.That(a.Tempering.ChainSwapAcceptance, Is.EqualTo(b.Tempering.ChainSwapAcceptance), "swap acceptance");
            Assert.That(withVectorNormals.Samples.ToArray(), Is.Not.EqualTo(b.Samples.ToArray()), "vector normals reach the samples");
        }
        finally
        {
            Philox8.ScalarNormals = false;
        }
    }

    /// <summary>
    /// A model the sampler cannot fuse (its own Forward and Gradient) runs the tempered transition step by step, launch by
    /// launch: the same draws and swap statistics as the fused kernel (bit for bit on the CPU).
    /// </summary>
    [TestCaseSource(nameof(HamiltonianInnerSamplers))]
    public void StepByStepPath_EqualsFusedPath(Func<BaseModel, Sampler> inner)
    {
        using var model = new HarmonicModel(Device, 1.5f); // the exactness test's energy type: its fused kernels are compiled
        using var opaque = new OpaqueModel(new HarmonicModel(Device, 1.5f));
        model.Source.HostSimd = false; // the fused kernel against its own launches (the host twin is checked against it above)
        ChainResult Run(BaseModel m) => new ParallelTempering(m, nReplicas: 3, sampler: inner(m), swapEvery: 4, seed: 13)
            .SampleChain(dim: 2, nSteps: 12, nSamples: 10, options: new SampleOptions { WarmupSteps = 8, ReturnTrajectory = true, Thin = 2 });
        using ChainResult fused = Run(model), stepped = Run(opaque);
        float tolerance = Device.Kind == DeviceKind.Cpu ? 0f : 1e-5f; // the GPU compiler may contract differently
        Assert.That(stepped.Trajectory!.ToArray(), Is.EqualTo(fused.Trajectory!.ToArray()).Within(tolerance));
        Assert.That(stepped.Tempering!.ChainSwapAcceptance, Is.EqualTo(fused.Tempering!.ChainSwapAcceptance).Within(tolerance));
        Assert.That(stepped.Tempering.InverseTemperatures, Is.EqualTo(fused.Tempering.InverseTemperatures).Within(tolerance));
    }

    /// <summary>HMC, and NUTS with its early ends (the step-by-step path then asks the device whether any tree goes on).</summary>
    private static IEnumerable<TestCaseData> HamiltonianInnerSamplers() => ExactInnerSamplers().Skip(1);

    private static IEnumerable<TestCaseData> BadTemperatures()
    {
        yield return new TestCaseData(new[] { 1f, 3f, 2f }).SetArgDisplayNames("not increasing");
        yield return new TestCaseData(new[] { 1f, 1f }).SetArgDisplayNames("repeated");
        yield return new TestCaseData(new[] { 1f, -2f }).SetArgDisplayNames("negative");
        yield return new TestCaseData(new[] { 0f, 2f }).SetArgDisplayNames("zero");
        yield return new TestCaseData(new[] { 2f, 4f }).SetArgDisplayNames("T_0 not 1");
        yield return new TestCaseData(new[] { 1f }).SetArgDisplayNames("one replica");
        yield return new TestCaseData(new[] { 1f, float.PositiveInfinity }).SetArgDisplayNames("infinite");
        yield return new TestCaseData(new[] { 1f, float.NaN }).SetArgDisplayNames("NaN");
    }

    [TestCaseSource(nameof(BadTemperatures))]
    public void BadTemperatures_Throw(float[] temperatures)
    {
        using var model = new HarmonicModel(Device);
        var hmc = new HamiltonianMonteCarlo(model, stepSize: 0.3f);
        Assert.That(() => new ParallelTempering(model, temperatures, hmc),
            Throws.InstanceOf<ArgumentException>().With.Property("ParamName").EqualTo("temperatures"));
    }

    [Test]
    public void BadSettings_Throw()
    {
        using var model = new HarmonicModel(Device);
        using var otherModel = new HarmonicModel(Device);
        var hmc = new HamiltonianMonteCarlo(model, stepSize: 0.3f);
        Assert.That(() => new ParallelTempering(model, nReplicas: 1, sampler: hmc),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("nReplicas"));
        Assert.That(() => new ParallelTempering(model, nReplicas: 4, sampler: hmc, swapEvery: 0),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("swapEvery"));
        Assert.That(() => new ParallelTempering(model, temperatures: [1f, 2f], sampler: hmc, swapEvery: -1),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("swapEvery"));
        Assert.That(() => new ParallelTempering(model, nReplicas: 4, sampler: hmc, maxTemperature: 1f),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("maxTemperature"));
        Assert.That(() => new ParallelTempering(model, nReplicas: 4, sampler: hmc, maxTemperature: float.NaN),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("maxTemperature"));
        Assert.That(() => new ParallelTempering(model, nReplicas: 4, sampler: null!), Throws.TypeOf<ArgumentNullException>());
        Assert.That(() => new ParallelTempering(model, temperatures: null!, sampler: hmc), Throws.TypeOf<ArgumentNullException>());
        Assert.That(() => new ParallelTempering(otherModel, nReplicas: 4, sampler: hmc),
            Throws.InstanceOf<ArgumentException>().With.Property("ParamName").EqualTo("sampler"));
        var scheduled = new HamiltonianMonteCarlo(model, stepSize: new TorchEbm.Schedulers.LinearScheduler(0.3f, 0.1f, 100));
        Assert.That(() => new ParallelTempering(model, nReplicas: 4, sampler: scheduled),
            Throws.InstanceOf<ArgumentException>().With.Property("ParamName").EqualTo("sampler"));
        var nested = new ParallelTempering(model, nReplicas: 2, sampler: hmc);
        Assert.That(() => new ParallelTempering(model, nReplicas: 2, sampler: nested),
            Throws.InstanceOf<ArgumentException>().With.Property("ParamName").EqualTo("sampler"));
    }

    /// <summary>Options PT cannot honour, or a trajectory too large for all replicas, are refused before anything runs: the
    /// next call draws what a fresh sampler's first does.</summary>
    [Test]
    public void UnsupportedOptions_ThrowBeforeAnyLaunch()
    {
        using var model = new HarmonicModel(Device);
        var pt = new ParallelTempering(model, nReplicas: 2, sampler: new MetropolisAdjustedLangevin(model, stepSize: 0.3f), seed: 4);
        Assert.That(() => pt.SampleChain(dim: 2, nSteps: 5, nSamples: 4, options: new SampleOptions { FirstChain = 3 }),
            Throws.InstanceOf<ArgumentException>().With.Property("ParamName").EqualTo("options"));
        Assert.That(() => pt.SampleChain(dim: 2, nSteps: 5, nSamples: 4, options: new SampleOptions { TargetAcceptance = 0.5f }),
            Throws.InstanceOf<ArgumentException>().With.Property("ParamName").EqualTo("options"));
        Assert.That(() => pt.SampleChain(dim: 2, nSteps: 1 << 20, nSamples: 1024, options: new SampleOptions { ReturnTrajectory = true }),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("nSteps"), "a trajectory of all replicas beyond 2^31 floats");
        using Tensor afterRefusals = pt.Sample(dim: 2, nSteps: 5, nSamples: 4);
        using Tensor fresh = new ParallelTempering(model, nReplicas: 2, sampler: new MetropolisAdjustedLangevin(model, stepSize: 0.3f), seed: 4)
            .Sample(dim: 2, nSteps: 5, nSamples: 4);
        Assert.That(afterRefusals.ToArray(), Is.EqualTo(fresh.ToArray()));
    }

    /// <summary>
    /// docs/articles/parallel-tempering.md's example, run as written: 64 chains all started in the left well of a double
    /// well cross to the right one. Each chain's final state is in the right well with probability 1/2 once mixed, so the
    /// count over 64 independent chains is Binomial(64, 1/2): 32 +- 4, asserted within 3.5 standard deviations.
    /// </summary>
    [Test]
    public void DocsExample_RunsAsWritten_AndCrossesTheBarrier()
    {
        // README parallel tempering begins
        using var device = Device.Create();
        using var model = new DoubleWellModel(device, a: 1f, b: 4f);  // wells at x_i = +-2, a 16-nat barrier per coordinate
        using Tensor start = device.Full(-2f, 64, 2);                  // every chain starts in the left well
        var hmc = new HamiltonianMonteCarlo(model, stepSize: 0.05f, nLeapfrogSteps: 10);
        var pt = new ParallelTempering(model, nReplicas: 6, sampler: hmc, swapEvery: 5, seed: 1);
        using ChainResult result = pt.SampleChain(dim: 2, nSteps: 1000, nSamples: 64,
            options: new SampleOptions { InitialSamples = start, WarmupSteps = 500 });
        float[] x = result.Samples.ToArray();                          // the beta = 1 replica of each chain
        TemperingInfo info = result.Tempering!;
        int right = Enumerable.Range(0, 64).Count(c => x[2 * c] > 0f);
        Console.WriteLine($"{right} of 64 chains end in the right well");
        Console.WriteLine($"ladder: {string.Join(", ", info.InverseTemperatures)}");
        Console.WriteLine($"swap acceptance: {string.Join(", ", info.SwapAcceptance)}; round trips: {info.RoundTrips.Sum()}");
        // README parallel tempering ends
        Assert.That(right, Is.InRange(32 - 14, 32 + 14));
        Assert.That(info.SwapAcceptance, Has.All.GreaterThan(0f));
        string docs = File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "../../../../docs/articles/parallel-tempering.md"));
        string[] block = docs[(docs.IndexOf("```csharp\n", StringComparison.Ordinal) + 10)..].Split("```")[0]
            .Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        Assert.That(block, Is.EqualTo(ReadmeCode.Marked("Engine.Tests/Samplers/ParallelTemperingTests.cs", "parallel tempering")),
            "the article shows the code this test runs");
    }

    /// <summary>
    /// The swap kernels and the tempered chain kernels are in the registry the PTX test and ptxas-check compile; the
    /// tempering wrapper is closed with one inner transition (it compiles the same for any), not with every one.
    /// </summary>
    [Test]
    public void TemperingKernels_AreRegistered_WithOneTemperedTransition()
    {
        string[] names = KernelRegistry.All.Select(k => k.Name).ToArray();
        Assert.That(names, Does.Contain("TemperingKernels.Swap").And.Contain("TemperingKernels.StartTrips").And.Contain("TemperingKernels.GatherCold"));
        string[] tempered = names.Where(n => n.Contains("TemperedTransition")).ToArray();
        Assert.That(tempered, Does.Contain("ChainKernels.Chains[AnalyticSource-Harmonic,TemperedTransition-HmcTransition]"));
        Assert.That(tempered, Has.All.Contains("TemperedTransition-HmcTransition"));
    }

    /// <summary>
    /// The warm-up update (Syed et al.'s equal-rejection schedule): equal rejection rates keep a ladder; otherwise the end
    /// points stay, the levels stay strictly decreasing, and a pair that rejected more gets a narrower gap.
    /// </summary>
    [Test]
    public void LadderUpdate_EqualisesTheRejectionRates()
    {
        float[] ladder = TemperatureLadder.Geometric(5, 16f);
        Assert.That(ladder, Is.EqualTo(new[] { 1f, 0.5f, 0.25f, 0.125f, 0.0625f }).Within(1e-6f));
        Assert.That(TemperatureLadder.Equalize(ladder, [0.3, 0.3, 0.3, 0.3]), Is.EqualTo(ladder).Within(1e-6f));
        float[] updated = TemperatureLadder.Equalize(ladder, [0.8, 0.1, 0.1, 0.1]);
        Assert.That(updated[0], Is.EqualTo(1f));
        Assert.That(updated[^1], Is.EqualTo(ladder[^1]));
        Assert.That(updated.Zip(updated.Skip(1)).All(p => p.First > p.Second), Is.True, string.Join(", ", updated));
        Assert.That(updated[1], Is.GreaterThan(ladder[1]), "the pair that rejected most shrinks");
        // The barrier (0.8 + 0.3 = 1.1) is split in four parts of 0.275, all inside the first old gap for level 1:
        // log beta_1 = log(0.5) * 0.275 / 0.8.
        Assert.That(updated[1], Is.EqualTo(Math.Pow(0.5, 0.275 / 0.8)).Within(1e-6));
        Assert.That(TemperatureLadder.Equalize(ladder, [0, 0, 0, 0]).Zip(ladder).All(p => Math.Abs(p.First - p.Second) < 1e-6f), Is.True,
            "never-rejecting pairs count alike");
    }
}

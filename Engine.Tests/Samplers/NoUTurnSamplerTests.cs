using MathNet.Numerics.LinearAlgebra;
using TorchEbm.Kernels.Random;
using TorchEbm.Kernels.Samplers;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>
/// NUTS: each transition equal to a float64 host NUTS written from the paper (<see cref="ReferenceNuts"/>) on the same
/// Philox numbers; stationary on Gaussians (correlated, badly scaled) and a double well; reproducible; the step-by-step
/// path equal to the fused one; tree depth capped; bad input refused; a NaN start survived.
/// </summary>
public sealed class NoUTurnSamplerTests(DeviceKind kind) : DeviceTest(kind)
{
    private const long Seed = 7;
    private static readonly double[] Mean3 = [0.5, -1, 0];
    private static readonly double[,] Cov3 = { { 2, 1, 0 }, { 1, 2, 0.5 }, { 0, 0.5, 1 } };

    private static float[] ToFloat(double[] a) => a.Select(v => (float)v).ToArray();

    private static float[,] ToFloat(double[,] a)
    {
        var f = new float[a.GetLength(0), a.GetLength(1)];
        for (int i = 0; i < a.GetLength(0); i++)
        for (int j = 0; j < a.GetLength(1); j++) f[i, j] = (float)a[i, j];
        return f;
    }

    /// <summary>A target for the reference comparison: the device model and its float64 energy and gradient.</summary>
    public sealed record Target(string Name, int Dim, Func<Device, BaseModel> Create, Func<double[], double> Energy, Func<double[], double[]> Gradient)
    {
        public override string ToString() => Name;
    }

    private static Target Gaussian3()
    {
        Matrix<double> precision = Matrix<double>.Build.DenseOfArray(Cov3).Inverse();
        double Energy(double[] x)
        {
            double sum = 0;
            for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) sum += (x[i] - Mean3[i]) * precision[i, j] * (x[j] - Mean3[j]);
            return 0.5 * sum;
        }
        double[] Gradient(double[] x) =>
            Enumerable.Range(0, 3).Select(i => Enumerable.Range(0, 3).Sum(j => precision[i, j] * (x[j] - Mean3[j]))).ToArray();
        return new Target("correlated Gaussian", 3, d => new GaussianModel(d, ToFloat(Mean3), ToFloat(Cov3)), Energy, Gradient);
    }

    private static Target DoubleWell2() => new("double well", 2, d => new DoubleWellModel(d, 1f, 2f),
        x => x.Sum(v => (v * v - 2) * (v * v - 2)), x => x.Select(v => 4 * v * (v * v - 2)).ToArray());

    private static Target Gaussian6() // six coordinates: a partial Philox block of normals
    {
        double[] variances = [1, 4, 0.25, 2, 0.5, 1];
        return new Target("diagonal Gaussian 6-D", 6,
            d => new GaussianModel(d, new float[6], ToFloat(Diagonal(variances))),
            x => 0.5 * x.Select((v, i) => v * v / variances[i]).Sum(), x => x.Select((v, i) => v / variances[i]).ToArray());
    }

    private static double[,] Diagonal(double[] v)
    {
        var m = new double[v.Length, v.Length];
        for (int i = 0; i < v.Length; i++) m[i, i] = v[i];
        return m;
    }

    // (target, step size, max tree depth, mass): ordinary trees, a double well, trees capped at depth 2, and a step far
    // beyond the Gaussian's stability limit (divergent leaves).
    public static IEnumerable<TestCaseData> ReferenceCases()
    {
        yield return new TestCaseData(Gaussian3(), 0.3f, 10, new[] { 1f, 2f, 0.5f }).SetArgDisplayNames("Gaussian eps=0.3 M=[1,2,0.5]");
        yield return new TestCaseData(Gaussian3(), 0.05f, 2, new[] { 1f, 1f, 1f }).SetArgDisplayNames("Gaussian eps=0.05 depth<=2");
        yield return new TestCaseData(Gaussian3(), 4f, 10, new[] { 1f, 1f, 1f }).SetArgDisplayNames("Gaussian eps=4 diverging");
        yield return new TestCaseData(DoubleWell2(), 0.1f, 10, new[] { 1f, 1f }).SetArgDisplayNames("double well eps=0.1");
        yield return new TestCaseData(Gaussian6(), 0.4f, 10, new[] { 1f, 0.5f, 2f, 1f, 1f, 1f }).SetArgDisplayNames("Gaussian 6-D eps=0.4");
    }

    /// <summary>
    /// One transition of 64 chains from random starts against the float64 reference fed the same Philox numbers: the same
    /// tree depth, leapfrog count and divergence, the same draw within float32 integration error, the same acceptance
    /// statistic and starting Hamiltonian. Chains where some decision of the reference lies within 1e-3 of its threshold
    /// (a uniform of its probability, a normalised criterion dot product of 0), where float32 rounding may decide
    /// otherwise, are skipped; at least 3/4 of the chains must be compared.
    /// </summary>
    /// <remarks>Tolerance of a draw: float32 rounds each leapfrog step's operations at ~6e-8 relative; a stable
    /// integrator lets these errors add up at most linearly over the n steps, so 1e-6 n (more than ten roundings per step)
    /// times the coordinate's scale bounds float32's drift from float64, while a wrong leaf or a wrong step moves a draw by the
    /// order of the step size.</remarks>
    [TestCaseSource(nameof(ReferenceCases))]
    public void Transition_MatchesFloat64HostReference(Target target, float stepSize, int maxTreeDepth, float[] mass)
    {
        const int chains = 64, steps = 3;
        int dim = target.Dim;
        using BaseModel model = target.Create(Device);
        using Tensor initial = Device.Randn(chains, dim, seed: 3);
        using ChainResult result = new NoUTurnSampler(model, stepSize, maxTreeDepth, mass, seed: 99)
            .SampleChain(dim, steps, chains, new SampleOptions { InitialSamples = initial, Seed = Seed, ReturnTrajectory = true });
        float[] starts = initial.ToArray(), draws = result.Trajectory!.ToArray();
        ChainInfo info = result.Info!;
        float[] depth = info.TreeDepth!.ToArray(), leapfrogs = info.Leapfrogs!.ToArray(), divergent = info.Divergent!.ToArray();
        float[] acceptStat = info.AcceptStat!.ToArray(), energy = info.Energy!.ToArray();

        var reference = new ReferenceNuts(target.Energy, target.Gradient, mass.Select(m => 1.0 / m).ToArray(), stepSize, maxTreeDepth);
        var rng = Philox4x32.FromSeed(Seed);
        int compared = 0, deeper = 0, divergences = 0;
        for (int t = 0; t < steps; t++) // step t from the device's state after step t - 1: its draws, keying and carried state
        for (int c = 0; c < chains; c++)
        {
            int row = t * chains + c;
            double[] start = Enumerable.Range(0, dim).Select(i => (double)(t == 0 ? starts[c * dim + i] : draws[(row - chains) * dim + i])).ToArray();
            reference.Run(start, rng, (uint)c, (uint)t, 0);
            if (reference.Margin < 1e-3) continue;
            compared++;
            string at = $"step {t}, chain {c}";
            Assert.That(depth[row], Is.EqualTo(reference.TreeDepth), $"{at}: tree depth");
            Assert.That(leapfrogs[row], Is.EqualTo(reference.Leapfrogs), $"{at}: leapfrog steps");
            Assert.That(divergent[row], Is.EqualTo(reference.Divergent ? 1f : 0f), $"{at}: divergence");
            double tolerance = 1e-6 * reference.Leapfrogs;
            for (int i = 0; i < dim; i++)
                Assert.That(draws[row * dim + i], Is.EqualTo(reference.Draw[i]).Within(tolerance * Math.Max(1, Math.Abs(reference.Draw[i]))), $"{at}, coordinate {i}");
            Assert.That(acceptStat[row], Is.EqualTo(reference.AcceptStat).Within(1e-4), $"{at}: acceptance statistic");
            Assert.That(energy[row], Is.EqualTo(reference.StartHamiltonian).Within(1e-5 * Math.Max(1, Math.Abs(reference.StartHamiltonian))), $"{at}: H0");
            if (reference.TreeDepth > 1) deeper++;
            if (reference.Divergent) divergences++;
        }
        Assert.That(compared, Is.GreaterThanOrEqualTo(steps * chains * 3 / 4), "transitions compared");
        if (stepSize >= 4f) Assert.That(divergences, Is.GreaterThan(chains / 2), "the unstable step diverges");
        else Assert.That(deeper, Is.GreaterThan(0), "some trees grow beyond two doublings");
        Assert.That(depth.Max(), Is.LessThanOrEqualTo(maxTreeDepth));
    }

    /// <summary>A transition counts as accepted when its draw is not its start: the acceptance rate of a one-step run is 1
    /// exactly for the chains that moved.</summary>
    [Test]
    public void AcceptanceRate_CountsTheTransitionsThatMoved()
    {
        using var model = new GaussianModel(Device, ToFloat(Mean3), ToFloat(Cov3));
        using Tensor initial = Device.Randn(64, 3, seed: 3);
        using ChainResult result = new NoUTurnSampler(model, 1.3f, seed: 1) // near the stability limit: large energy errors, some draws stay
            .SampleChain(3, 1, 64, new SampleOptions { InitialSamples = initial, Seed = Seed });
        float[] x0 = initial.ToArray(), x = result.Samples.ToArray(), accepted = result.Info!.AcceptanceRate.ToArray();
        for (int c = 0; c < 64; c++)
        {
            bool moved = Enumerable.Range(0, 3).Any(i => x[c * 3 + i] != x0[c * 3 + i]);
            Assert.That(accepted[c], Is.EqualTo(moved ? 1f : 0f), $"chain {c}");
        }
        Assert.That(accepted, Has.Some.EqualTo(0f).And.Some.EqualTo(1f));
    }

    /// <summary>A non-diagonal covariance, eigenvalues 0.11 to 1.6 (as MetropolisExactnessTests).</summary>
    private static float[,] Covariance5()
    {
        var l = new double[,] { { 1, 0, 0, 0, 0 }, { 0.5, 0.8, 0, 0, 0 }, { -0.3, 0.4, 0.9, 0, 0 }, { 0.2, -0.2, 0.3, 0.6, 0 }, { 0.1, 0.3, -0.4, 0.2, 0.7 } };
        Matrix<double> m = Matrix<double>.Build.DenseOfArray(l);
        return ToFloat((m * m.Transpose()).ToArray());
    }

    /// <summary>Scales 3, 1 and 0.3 with correlation 0.95 between the first two: condition number about 400 under unit mass.</summary>
    private static float[,] BadlyScaled3()
    {
        double[] s = [3, 1, 0.3];
        double[,] r = { { 1, 0.95, 0 }, { 0.95, 1, 0.2 }, { 0, 0.2, 1 } };
        var cov = new double[3, 3];
        for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) cov[i, j] = s[i] * r[i, j] * s[j];
        return ToFloat(cov);
    }

    public static IEnumerable<TestCaseData> GaussianTargets()
    {
        yield return new TestCaseData(new[] { 1f, -1f, 0.5f, 0f, 2f }, Covariance5(), 0.3f).SetArgDisplayNames("correlated 5-D eps=0.3");
        yield return new TestCaseData(new[] { 2f, 0f, -1f }, BadlyScaled3(), 0.1f).SetArgDisplayNames("badly scaled 3-D eps=0.1");
    }

    /// <summary>
    /// Final states of 5000 independent chains after 20 transitions from N(0, I): mean and every covariance entry within 4.5
    /// standard errors of the true N(m, S) (the largest of 5 + 15 standardised deviations exceeds 4.5 with probability under
    /// 2e-4 for an exact sampler). NUTS needs no trajectory length: the badly scaled target's trees grow deep.
    /// </summary>
    [Category("Slow")]
    [TestCaseSource(nameof(GaussianTargets))]
    public void Gaussian_FinalStates_MatchTheTrueLaw(float[] mean, float[,] cov, float stepSize)
    {
        const int chains = 5000;
        int dim = mean.Length;
        using var model = new GaussianModel(Device, mean, cov);
        using ChainResult result = new NoUTurnSampler(model, stepSize, seed: 12).SampleChain(dim, 20, chains);
        float[,] x = result.Samples.ToArray2D();
        (double[] m, double[,] c) = LangevinStationaryTests.Moments(x);
        double worstMean = 0, worstCov = 0;
        for (int i = 0; i < dim; i++)
        {
            worstMean = Math.Max(worstMean, Math.Abs(m[i] - mean[i]) / Math.Sqrt(cov[i, i] / (double)chains));
            for (int j = i; j < dim; j++)
            {
                double se = Math.Sqrt(((double)cov[i, i] * cov[j, j] + (double)cov[i, j] * cov[i, j]) / chains);
                worstCov = Math.Max(worstCov, Math.Abs(c[i, j] - cov[i, j]) / se);
            }
        }
        Assert.That(worstMean, Is.LessThan(4.5), "worst mean deviation in standard errors");
        Assert.That(worstCov, Is.LessThan(4.5), "worst covariance deviation in standard errors");
        Assert.That(result.Info!.Divergences, Is.Zero);
    }

    /// <summary>1-D double well exp(-(x^2 - 2)^2), two modes: KS of 8000 final states against quadrature at alpha = 0.01.</summary>
    [Category("Slow")]
    [Test]
    public void DoubleWell_FinalStates_PassKsAgainstQuadrature()
    {
        using var model = new DoubleWellModel(Device, a: 1f, b: 2f);
        using Tensor samples = new NoUTurnSampler(model, 0.1f, seed: 22).Sample(dim: 1, nSteps: 60, nSamples: 8000);
        Func<double, double> cdf = LangevinStationaryTests.QuadratureCdf(v => (v * v - 2) * (v * v - 2), -4, 4, 40001);
        Assert.That(Statistics.KsStatistic(samples.ToArray(), cdf), Is.LessThan(Statistics.KsCritical01));
    }

    private static float[] All(ChainResult r) =>
        [.. r.Trajectory!.ToArray(), .. r.Samples.ToArray(), .. r.Info!.AcceptStat!.ToArray(), .. r.Info.Energy!.ToArray(),
            .. r.Info.TreeDepth!.ToArray(), .. r.Info.Leapfrogs!.ToArray(), .. r.Info.Divergent!.ToArray(), .. r.Info.StepSizes.ToArray()];

    [Test]
    public void SameSeed_IsBitIdentical()
    {
        using var model = new GaussianModel(Device, ToFloat(Mean3), ToFloat(Cov3));
        var options = new SampleOptions { ReturnTrajectory = true, WarmupSteps = 20, Seed = 4 };
        using ChainResult a = new NoUTurnSampler(model, 0.5f).SampleChain(3, 10, 33, options);
        using ChainResult b = new NoUTurnSampler(model, 0.5f).SampleChain(3, 10, 33, options);
        using ChainResult other = new NoUTurnSampler(model, 0.5f).SampleChain(3, 10, 33, options with { Seed = 5 });
        Assert.That(All(b), Is.EqualTo(All(a)));
        Assert.That(All(other), Is.Not.EqualTo(All(a)), "another seed, other draws");
    }

    /// <summary>
    /// An opaque model runs NUTS launch by launch around its own Forward/Gradient (stopping each step's launches once every
    /// tree has stopped): the same draws and statistics as the fused kernel, with warm-up and a thinned trajectory. (On the
    /// CPU the fused run takes the kernel, not its host twin, whose normals round differently: see CpuChainsTests.)
    /// </summary>
    [Test]
    public void StepByStepPath_EqualsFusedPath()
    {
        using var model = new GaussianModel(Device, ToFloat(Mean3), ToFloat(Cov3));
        model.Source.HostSimd = false;
        using var opaque = new OpaqueModel(model);
        var options = new SampleOptions { ReturnTrajectory = true, Thin = 2, WarmupSteps = 30, Seed = 3 };
        using ChainResult fused = new NoUTurnSampler(model, 0.4f, mass: new[] { 1f, 2f, 0.5f }).SampleChain(3, 12, 21, options);
        using ChainResult stepped = new NoUTurnSampler(opaque, 0.4f, mass: new[] { 1f, 2f, 0.5f }).SampleChain(3, 12, 21, options);
        float tolerance = Device.Kind == DeviceKind.Cpu ? 0f : 1e-5f; // the GPU compiler may contract differently
        Assert.That(All(stepped), Is.EqualTo(All(fused)).Within(tolerance));
        Assert.That(stepped.Info!.AcceptanceRate.ToArray(), Is.EqualTo(fused.Info!.AcceptanceRate.ToArray()));
        Assert.That(fused.Info.TreeDepth!.ToArray().Distinct().Count(), Is.GreaterThan(1), "chains build trees of different depths");
    }

    /// <summary>
    /// The step-by-step path reads once per tree doubling whether any chain goes on, and stops launching then: with trees of
    /// depth at most 2 a step launches the evaluations of 3 leaves, not the 1023 a depth of 10 allows.
    /// </summary>
    [Test]
    public void StepByStepPath_StopsLaunchingWhenEveryTreeHasStopped()
    {
        using var model = new GaussianModel(Device, ToFloat(Mean3), ToFloat(Cov3));
        using var opaque = new OpaqueModel(model);
        var options = new SampleOptions { ReturnTrajectory = true, Seed = 3 };
        const int steps = 4;
        long before = Device.LaunchesOf(nameof(ChainKernels.Complete));
        using ChainResult result = new NoUTurnSampler(opaque, 1.2f).SampleChain(3, steps, 16, options);
        long completes = Device.LaunchesOf(nameof(ChainKernels.Complete)) - before;
        float[] leapfrogs = result.Info!.Leapfrogs!.ToArray();
        Assert.That(leapfrogs.Max(), Is.LessThan(8), "short trees at this step");
        Assert.That(completes, Is.GreaterThanOrEqualTo(steps * leapfrogs.Min()));
        Assert.That(completes, Is.LessThanOrEqualTo(steps * (2 * leapfrogs.Max() + 1)), "launches follow the longest tree, not 2^maxTreeDepth");
    }

    /// <summary>
    /// An analytic energy runs NUTS in one launch of the generic chain kernel (on the CPU, with the host SIMD twin switched
    /// off: see CpuChainsTests): the launches of a 50-step run equal those of a 1-step run.
    /// </summary>
    [Test]
    public void AnalyticModel_RunsTheGenericChainKernel_InOneLaunch()
    {
        using var model = new GaussianModel(Device, ToFloat(Mean3), ToFloat(Cov3));
        model.Source.HostSimd = false;
        var sampler = new NoUTurnSampler(model, 0.3f);
        long Launches(int steps)
        {
            long before = Device.LaunchesOf(nameof(ChainKernels.Chains));
            sampler.SampleChain(3, steps, 16).Dispose();
            return Device.LaunchesOf(nameof(ChainKernels.Chains)) - before;
        }
        Assert.That(Launches(1), Is.EqualTo(1));
        Assert.That(Launches(50), Is.EqualTo(1));
    }

    /// <summary>At a tiny step no tree turns within 2^3 - 1 steps: every transition stops at the cap with 7 leapfrog steps.</summary>
    [Test]
    public void TreeDepth_IsCappedAtMaxTreeDepth()
    {
        using var model = new GaussianModel(Device, ToFloat(Mean3), ToFloat(Cov3));
        using ChainResult result = new NoUTurnSampler(model, 0.001f, maxTreeDepth: 3, seed: 2)
            .SampleChain(3, 5, 40, new SampleOptions { ReturnTrajectory = true });
        Assert.That(result.Info!.TreeDepth!.ToArray(), Is.All.EqualTo(3f));
        Assert.That(result.Info.Leapfrogs!.ToArray(), Is.All.EqualTo(7f));
    }

    [TestCase(0)]
    [TestCase(17)]
    [TestCase(-3)]
    public void MaxTreeDepth_OutOfRange_Throws(int maxTreeDepth)
    {
        using var model = new GaussianModel(Device, ToFloat(Mean3), ToFloat(Cov3));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new NoUTurnSampler(model, 0.1f, maxTreeDepth));
        Assert.That(e!.ParamName, Is.EqualTo("maxTreeDepth"));
    }

    [Test]
    public void BadStepSizeOrMass_Throws()
    {
        using var model = new GaussianModel(Device, ToFloat(Mean3), ToFloat(Cov3));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new NoUTurnSampler(model, -0.1f))!.ParamName, Is.EqualTo("stepSize"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new NoUTurnSampler(model, 0.1f, mass: new[] { 1f, 0f, 1f }))!.ParamName, Is.EqualTo("mass"));
        Assert.That(Assert.Throws<ArgumentException>(() => new NoUTurnSampler(model, 0.1f, mass: new[] { 1f, 1f }).Sample(dim: 3, nSteps: 1, nSamples: 4))!.ParamName, Is.EqualTo("mass"));
    }

    /// <summary>
    /// A model whose energy is NaN where x_0 &gt; 0: chains starting there never move and count every transition as divergent;
    /// the others sample normally, and nothing non-finite is ever kept (a user's model: step by step).
    /// </summary>
    [Test]
    public void NanEnergyAtTheStart_StaysPut_AndCountsDivergent()
    {
        using var inner = new GaussianModel(Device, [-3f, 0f], new float[,] { { 0.25f, 0 }, { 0, 1 } });
        using var model = new NanWhereFirstPositive(inner);
        float[,] start = new float[8, 2];
        for (int c = 0; c < 8; c++) start[c, 0] = c % 2 == 0 ? 1f : -3f; // even chains start where E is NaN
        using Tensor initial = Device.FromArray(start);
        const int steps = 6;
        using ChainResult result = new NoUTurnSampler(model, 0.2f, seed: 1)
            .SampleChain(2, steps, 8, new SampleOptions { InitialSamples = initial, ReturnTrajectory = true });
        float[,] x = result.Samples.ToArray2D();
        float[] divergences = result.Info!.DivergencesPerChain.ToArray();
        for (int c = 0; c < 8; c += 2)
        {
            Assert.That(new[] { x[c, 0], x[c, 1] }, Is.EqualTo(new[] { 1f, 0f }), $"chain {c} stays put");
            Assert.That(divergences[c], Is.EqualTo(steps), $"chain {c}: every transition divergent");
        }
        for (int c = 1; c < 8; c += 2) Assert.That(divergences[c], Is.Zero, $"chain {c} samples normally");
        Assert.That(result.Trajectory!.ToArray().All(float.IsFinite));
    }

    /// <summary>E of the wrapped model, NaN where x_0 &gt; 0 (host code, as a user's model might be).</summary>
    private sealed class NanWhereFirstPositive(BaseModel inner) : BaseModel(inner.Device)
    {
        public override int? Dim => 2;

        public override Tensor Forward(Tensor x)
        {
            using Tensor energies = inner.Forward(x);
            float[] e = energies.ToArray(), rows = x.ToArray();
            for (int r = 0; r < e.Length; r++)
                if (rows[2 * r] > 0) e[r] = float.NaN;
            return Device.FromArray(e, e.Length);
        }

        public override Tensor Gradient(Tensor x) => inner.Gradient(x);
    }

    /// <summary>
    /// Warm-up's diagonal mass adaptation (HMC's windows, pooled over the chains) serves NUTS: on a Gaussian with variances
    /// 25, 1 and 0.04 the adapted inverse mass comes within 25% of the variances (the pooled warm-up positions' variances;
    /// with 64 chains x a window of at least 25 steps the estimate's relative standard error is a few per cent), and with it
    /// the trees stay shallow.
    /// </summary>
    [Test]
    public void Warmup_AdaptsTheDiagonalMass()
    {
        float[] variances = [25f, 1f, 0.04f];
        using var model = new GaussianModel(Device, new float[3], new float[,] { { 25f, 0, 0 }, { 0, 1f, 0 }, { 0, 0, 0.04f } });
        using ChainResult result = new NoUTurnSampler(model, 0.1f, mass: 1f, seed: 8) // a diagonal mass (the default is dense up to 16-D)
            .SampleChain(3, 20, 64, new SampleOptions { WarmupSteps = 300, ReturnTrajectory = true });
        float[] inverseMass = result.Info!.InverseMass!.ToArray();
        Assert.That(inverseMass, Has.Length.EqualTo(3));
        for (int i = 0; i < 3; i++)
            Assert.That(inverseMass[i] / variances[i], Is.InRange(0.75f, 1.25f), $"coordinate {i}");
        Assert.That(result.Info.TreeDepth!.ToArray().Average(), Is.LessThan(4), "a well-scaled target needs few doublings");
    }

    /// <summary>Warm-up adapts the step size so the mean acceptance statistic of the draws comes near Stan's 0.8 target,
    /// from a step ten times too large.</summary>
    [Test]
    public void Warmup_AdaptsTheStepSize_TowardsTheTarget()
    {
        float[,] cov = Covariance5();
        using var model = new GaussianModel(Device, new float[5], cov);
        using ChainResult result = new NoUTurnSampler(model, 3f, seed: 5)
            .SampleChain(5, 100, 64, new SampleOptions { WarmupSteps = 300, ReturnTrajectory = true });
        float[] stat = result.Info!.AcceptStat!.ToArray();
        Assert.That(stat.Average(), Is.InRange(0.7, 0.92), "mean acceptance statistic after warm-up");
        Assert.That(result.Info.StepSizes.ToArray()[0], Is.LessThan(1.5f), "the step shrank");
    }
}

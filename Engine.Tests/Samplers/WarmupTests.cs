using TorchEbm.Autodiff;
using TorchEbm.Diagnostics;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>
/// The default warm-up on targets that strand chains: Stan's windows, a step-size search per chain, per-chain step sizes,
/// and restarts of chains left far above the ensemble. The regression's posterior is known in closed form.
/// </summary>
public sealed class WarmupTests(DeviceKind kind) : DeviceTest(kind)
{
    /// <summary>
    /// kidiq's shape (posteriordb: kid_score ~ normal(b1 + b2 mom_iq, sigma), 434 points, flat priors) on synthetic data:
    /// x ~ 100 + 15 N(0, 1), y = 26 + 0.6 x + 18 N(0, 1). Parameters (b1, b2, log sigma) on Stan's unconstrained space:
    /// E = RSS(b) / (2 sigma^2) + N log sigma - log sigma (the last term the Jacobian of sigma = exp(u)). b1 and b2 are
    /// correlated at -0.99 and sigma is ~18 while Stan's inits are uniform(-2, 2): a shared step size strands chains.
    /// </summary>
    private sealed class Regression : BaseModel
    {
        public const int Points = 434;
        private readonly Tensor _design, _y;

        public Regression(Device device, double[] x, double[] y) : base(device)
        {
            var design = new float[2, Points];
            for (int i = 0; i < Points; i++)
            {
                design[0, i] = 1f;
                design[1, i] = (float)x[i];
            }
            _design = device.FromArray(design);
            _y = device.FromArray(y.Select(v => (float)v).ToArray(), Points);
        }

        public override int? Dim => 3;

        public override Var Energies(Var theta)
        {
            Var beta = theta.Columns(0, 2), u = theta.Column(2);
            Var rss = (Var.Constant(_y) - beta.MatMul(Var.Constant(_design))).Square().Sum(1);
            return 0.5f * rss * (-2f * u).Exp() + (Points - 1) * u;
        }

        public override void Dispose()
        {
            _design.Dispose();
            _y.Dispose();
            base.Dispose();
        }
    }

    private static (double[] X, double[] Y) RegressionData()
    {
        var random = new Random(7);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        double[] x = Enumerable.Range(0, Regression.Points).Select(_ => 100 + 15 * Normal()).ToArray();
        double[] y = x.Select(v => 26 + 0.6 * v + 18 * Normal()).ToArray();
        return (x, y);
    }

    /// <summary>
    /// The exact posterior of b under flat priors on (b, sigma): p(b | y) is proportional to Q(b)^(-(N - 1) / 2), a bivariate t
    /// with N - 3 degrees of freedom centred at the least-squares b, covariance RSS_min / (N - 5) (X^T X)^-1.
    /// </summary>
    private static (double[] Mean, double[] Sd) RegressionPosterior(double[] x, double[] y)
    {
        int n = x.Length;
        double sx = x.Sum(), sxx = x.Sum(v => v * v), sy = y.Sum(), sxy = x.Zip(y, (a, b) => a * b).Sum();
        double det = n * sxx - sx * sx;
        double b2 = (n * sxy - sx * sy) / det, b1 = (sy - b2 * sx) / n;
        double rss = x.Zip(y, (a, b) => Math.Pow(b - b1 - b2 * a, 2)).Sum();
        double scale = rss / (n - 5);
        return ([b1, b2], [Math.Sqrt(scale * sxx / det), Math.Sqrt(scale * n / det)]);
    }

    private Tensor StanInits(int chains, int dim, int seed)
    {
        var random = new Random(seed);
        var inits = new float[chains, dim];
        for (int c = 0; c < chains; c++)
        for (int j = 0; j < dim; j++) inits[c, j] = (float)(random.NextDouble() * 4 - 2);
        return Device.FromArray(inits);
    }

    /// <summary>
    /// From Stan's inits (uniform(-2, 2)) with the default warm-up (1000 steps) and no tuning, HMC's 32 chains find the
    /// regression's posterior: b1's and b2's means and sds within 5 Monte Carlo standard errors of the closed form
    /// (the sd's standard error from the ESS of the squared deviations), no divergence after warm-up, no stranded chain.
    /// With one shared step size, as the warm-up used to adapt, chains stayed far out (the kidiq failure).
    /// </summary>
    [Test, Category("Slow")]
    public void Regression_FromStanInits_MatchesTheClosedForm()
    {
        (double[] x, double[] y) = RegressionData();
        (double[] mean, double[] sd) = RegressionPosterior(x, y);
        using var model = new Regression(Device, x, y);
        const int chains = 32, draws = 500;
        using Tensor inits = StanInits(chains, 3, seed: 1);
        var sampler = new HamiltonianMonteCarlo(model, 0.1f, 10, seed: 3);
        using ChainResult result = sampler.SampleChain(3, draws, chains,
            new SampleOptions { InitialSamples = inits, WarmupSteps = 1000, ReturnTrajectory = true });
        Assert.That(result.Info!.Divergences, Is.Zero);
        Assert.That(result.Info.StrandedChains, Is.Empty);
        float[,,] trajectory = result.Trajectory!.ToArray3D();
        float[] ess = ChainStatistics.EffectiveSampleSize(trajectory);
        for (int j = 0; j < 2; j++)
        {
            double[] values = Column(trajectory, j);
            double m = values.Average(), s = Math.Sqrt(values.Sum(v => (v - m) * (v - m)) / (values.Length - 1));
            double meanError = s / Math.Sqrt(ess[j]);
            float[,,] squares = Map(trajectory, j, v => (float)((v - m) * (v - m)));
            double sdError = Math.Sqrt(values.Select(v => Math.Pow((v - m) * (v - m) - s * s, 2)).Average())
                             / (2 * s * Math.Sqrt(ChainStatistics.EffectiveSampleSize(squares)[0]));
            TestContext.Out.WriteLine($"b{j + 1}: mean {m:F4} (exact {mean[j]:F4}, mcse {meanError:F4}), sd {s:F4} (exact {sd[j]:F4}, mcse {sdError:F4}), ess {ess[j]:F0}");
            Assert.That(Math.Abs(m - mean[j]), Is.LessThan(5 * meanError), $"b{j + 1} mean");
            Assert.That(Math.Abs(s - sd[j]), Is.LessThan(5 * sdError), $"b{j + 1} sd");
        }
    }

    private static double[] Column(float[,,] trajectory, int j)
    {
        var values = new List<double>();
        for (int t = 0; t < trajectory.GetLength(0); t++)
        for (int c = 0; c < trajectory.GetLength(1); c++) values.Add(trajectory[t, c, j]);
        return [.. values];
    }

    private static float[,,] Map(float[,,] trajectory, int j, Func<float, float> f)
    {
        var mapped = new float[trajectory.GetLength(0), trajectory.GetLength(1), 1];
        for (int t = 0; t < trajectory.GetLength(0); t++)
        for (int c = 0; c < trajectory.GetLength(1); c++) mapped[t, c, 0] = f(trajectory[t, c, j]);
        return mapped;
    }

    /// <summary>
    /// N(0, I) in 2-D plus a narrow well N(m, 0.1^2 I) at m = (12, 0) holding e^-25 of the mass: a chain started in the
    /// well cannot leave it (the barrier around it is ~50 nats high) and its energy is ~20 above the main mode's.
    /// </summary>
    private sealed class Well(Device device) : BaseModel(device)
    {
        public override int? Dim => 2;

        public override Var Energies(Var x)
        {
            int n = x.Shape[0];
            Var main = -0.5f * x.Square().Sum(1);
            Var shifted = x - Var.Constant(_offset ??= Device.FromArray(new[] { 12f, 0f }, 2));
            Var well = -25f - 50f * shifted.Square().Sum(1) + 2 * MathF.Log(10f); // log N(m, 0.01 I) up to the shared 2 pi
            return -Var.Concat([main.Reshape(n, 1), well.Reshape(n, 1)]).LogSumExp(1);
        }

        private Tensor? _offset;

        public override void Dispose()
        {
            _offset?.Dispose();
            base.Dispose();
        }
    }

    private Tensor WellInits(int chains, params int[] inWell)
    {
        var inits = new float[chains, 2];
        for (int c = 0; c < chains; c++)
        {
            inits[c, 0] = inWell.Contains(c) ? 12f : 0.1f * (c % 5) - 0.2f;
            inits[c, 1] = inWell.Contains(c) ? 0f : 0.1f * (c % 3) - 0.1f;
        }
        return Device.FromArray(inits);
    }

    /// <summary>
    /// Two of 16 HMC chains start in the well: warm-up restarts them from chains of the main mode, so every chain ends
    /// there and none is reported stranded; the sampling phase is exact (its mean is within 5 standard errors of 0).
    /// </summary>
    [Test]
    public void ChainsInAMinorWell_AreRestartedDuringWarmup()
    {
        using var model = new Well(Device);
        using Tensor inits = WellInits(16, 3, 11);
        var sampler = new HamiltonianMonteCarlo(model, 0.2f, 5, seed: 1);
        using ChainResult result = sampler.SampleChain(2, 200, 16,
            new SampleOptions { InitialSamples = inits, WarmupSteps = 300, ReturnTrajectory = true });
        Assert.That(result.Info!.StrandedChains, Is.Empty);
        float[,] samples = result.Samples.ToArray2D();
        for (int c = 0; c < 16; c++) Assert.That(samples[c, 0], Is.LessThan(6f), $"chain {c} ended in the main mode");
        double[] first = Column(result.Trajectory!.ToArray3D(), 0);
        float ess = ChainStatistics.EffectiveSampleSize(result.Trajectory!.ToArray3D())[0];
        Assert.That(Math.Abs(first.Average()), Is.LessThan(5 / Math.Sqrt(ess)), "mean of x1 against 0 (sd 1)");
    }

    /// <summary>Without the restarts (a warm-up too short for them: below 20 steps), the chain left in the well is reported.</summary>
    [Test]
    public void AChainLeftInAMinorWell_IsReported()
    {
        using var model = new Well(Device);
        using Tensor inits = WellInits(16, 5);
        var sampler = new HamiltonianMonteCarlo(model, 0.2f, 5, seed: 1);
        using ChainResult result = sampler.SampleChain(2, 10, 16, new SampleOptions { InitialSamples = inits, WarmupSteps = 10 });
        Assert.That(result.Info!.StrandedChains, Is.EqualTo(new[] { 5 }));
    }

    /// <summary>
    /// The rule: above the median by more than max(10 robust spreads, 10 + 5 sqrt(d / 2)), or not finite; nothing with
    /// fewer than four finite energies. A 2-D Gaussian's typical energies never trip it.
    /// </summary>
    [Test]
    public void StrandedChains_FollowTheRule()
    {
        Assert.That(ChainRun.StrandedChains([1f, 2f, 1.5f, 2.5f, 40f, float.NaN], 2), Is.EqualTo(new[] { 4, 5 }));
        Assert.That(ChainRun.StrandedChains([1f, 2f, 1.5f, 2.5f, 16f], 2), Is.Empty, "15 above the median: within 10 + 5");
        Assert.That(ChainRun.StrandedChains([1f, 2f, float.PositiveInfinity, 50f], 2), Is.Empty, "three finite energies tell nothing");
        var random = new Random(3);
        float[] typical = Enumerable.Range(0, 10_000).Select(_ => (float)(-Math.Log(1 - random.NextDouble()))).ToArray(); // chi2_2 / 2
        Assert.That(ChainRun.StrandedChains(typical, 2), Is.Empty);
    }

    /// <summary>Stan's layout: 75 fast steps, windows of 25, 50, 100, ..., the last stretched to the final fast window
    /// (a quarter of the warm-up, at least Stan's 50); 15% and 10% when those do not fit; none below 20 steps.</summary>
    [Test]
    public void MassWindows_AreStans()
    {
        Assert.That(ChainRun.MassWindows(1000), Is.EqualTo(new[] { (75, 100), (100, 150), (150, 250), (250, 750) }));
        Assert.That(ChainRun.MassWindows(2000), Is.EqualTo(new[] { (75, 100), (100, 150), (150, 250), (250, 450), (450, 1500) }));
        Assert.That(ChainRun.MassWindows(199), Is.EqualTo(new[] { (75, 149) }));
        Assert.That(ChainRun.MassWindows(100), Is.EqualTo(new[] { (15, 90) }));
        Assert.That(ChainRun.MassWindows(150), Is.EqualTo(new[] { (75, 100) }));
        Assert.That(ChainRun.MassWindows(19), Is.Empty);
        foreach (int warmup in new[] { 20, 151, 333, 5000 })
        {
            List<(int Start, int End)> windows = ChainRun.MassWindows(warmup);
            for (int k = 1; k < windows.Count; k++) Assert.That(windows[k].Start, Is.EqualTo(windows[k - 1].End), "windows are contiguous");
        }
    }
    /// <summary>
    /// A dense mass adapted in warm-up undoes the regression's -0.99 correlation between b1 and b2: the same closed-form
    /// posterior, the adapted M^-1 within 25% of the exact posterior covariance of (b1, b2) entry by entry, and at least
    /// twice the diagonal mass's minimum ESS from the same number of gradients (measured: 2.9x).
    /// </summary>
    [Test, Category("Slow")]
    public void DenseMass_LearnsTheCorrelation_AndBeatsTheDiagonal()
    {
        (double[] x, double[] y) = RegressionData();
        (double[] mean, double[] sd) = RegressionPosterior(x, y);
        using var model = new Regression(Device, x, y);
        const int chains = 32, draws = 300;
        using Tensor inits = StanInits(chains, 3, seed: 1);
        float MinEss(MassMatrix mass, out float[] inverse, out float[,,] trajectory)
        {
            var sampler = new HamiltonianMonteCarlo(model, 0.1f, 5, mass: mass, seed: 3);
            using ChainResult result = sampler.SampleChain(3, draws, chains,
                new SampleOptions { InitialSamples = inits, WarmupSteps = 500, ReturnTrajectory = true });
            inverse = result.Info!.InverseMass!.ToArray();
            trajectory = result.Trajectory!.ToArray3D();
            return ChainStatistics.EffectiveSampleSize(trajectory).Min();
        }
        float diagonal = MinEss(1f, out _, out _);
        float dense = MinEss(MassMatrix.Dense, out float[] inverse, out float[,,] draws3);
        TestContext.Out.WriteLine($"min ESS: diagonal {diagonal}, dense {dense}; M^-1 {string.Join(", ", inverse)}");
        double n = x.Length, sx = x.Sum(), sxx = x.Sum(v => v * v), det = n * sxx - sx * sx;
        double covariance = -sx / det * (sd[0] * sd[0] * det / sxx); // scale * (-sx / det)
        Assert.That(inverse, Has.Length.EqualTo(9));
        Assert.That(inverse[0], Is.EqualTo(sd[0] * sd[0]).Within(25).Percent);
        Assert.That(inverse[4], Is.EqualTo(sd[1] * sd[1]).Within(25).Percent);
        Assert.That(inverse[1], Is.EqualTo(covariance).Within(25).Percent);
        Assert.That(inverse[3], Is.EqualTo(inverse[1]), "symmetric");
        double b1 = Column(draws3, 0).Average();
        Assert.That(Math.Abs(b1 - mean[0]), Is.LessThan(5 * sd[0] / Math.Sqrt(dense)), "b1's mean");
        Assert.That(dense, Is.GreaterThanOrEqualTo(2 * diagonal));
    }

    /// <summary>
    /// A dense mass given as a diagonal matrix runs the dense code path (back substitution, matrix-vector velocity) and
    /// gives the diagonal mass's chains up to float rounding: the same noise, the same decisions.
    /// </summary>
    [Test]
    public void DenseMassOfADiagonal_EqualsTheDiagonalMass()
    {
        using var model = new GaussianModel(Device, new float[] { 1f, -1f, 0f }, new float[,] { { 1f, 0.5f, 0f }, { 0.5f, 2f, 0.3f }, { 0f, 0.3f, 0.5f } });
        float[] masses = [2f, 0.5f, 1.5f];
        float[,] matrix = { { 2f, 0f, 0f }, { 0f, 0.5f, 0f }, { 0f, 0f, 1.5f } };
        float[] Run(MassMatrix mass)
        {
            using ChainResult result = new HamiltonianMonteCarlo(model, 0.3f, 4, mass: mass, seed: 5).SampleChain(3, 20, 64);
            return result.Samples.ToArray();
        }
        float[] diagonal = Run(masses), dense = Run(MassMatrix.FromDense(matrix));
        for (int i = 0; i < diagonal.Length; i++) Assert.That(dense[i], Is.EqualTo(diagonal[i]).Within(1e-3f), $"element {i}");
    }

    /// <summary>HMC with the target's own precision as a dense mass samples a strongly correlated Gaussian: mean and
    /// covariance within 5 standard errors. Each estimate's error uses its own series' ESS: these draws are antithetic in
    /// x (ESS of the means above the draws' count) but not in the products behind the covariance (ESS about a third of
    /// the count), so the means' ESS understates the covariance's error (with it the kernel failed seeds 3 and 11 of 12).</summary>
    [Test]
    public void DenseMass_SamplesACorrelatedGaussian()
    {
        float[,] cov = { { 1f, 0.95f }, { 0.95f, 1f } };
        using var model = new GaussianModel(Device, new float[] { 1f, -1f }, cov);
        float[,] precision = { { 1f / (1 - 0.95f * 0.95f), -0.95f / (1 - 0.95f * 0.95f) }, { -0.95f / (1 - 0.95f * 0.95f), 1f / (1 - 0.95f * 0.95f) } };
        var sampler = new HamiltonianMonteCarlo(model, 0.5f, 3, mass: MassMatrix.FromDense(precision), seed: 2);
        using ChainResult result = sampler.SampleChain(2, 400, 128, new SampleOptions { ReturnTrajectory = true, WarmupSteps = 100, AdaptMass = false });
        float[,,] draws = result.Trajectory!.ToArray3D();
        float[] ess = ChainStatistics.EffectiveSampleSize(draws);
        double[] a = Column(draws, 0), b = Column(draws, 1);
        double ma = a.Average(), mb = b.Average();
        double cab = a.Zip(b, (u, v) => (u - ma) * (v - mb)).Average();
        var products = new float[draws.GetLength(0), draws.GetLength(1), 1];
        for (int t = 0; t < draws.GetLength(0); t++)
        for (int c = 0; c < draws.GetLength(1); c++) products[t, c, 0] = (float)((draws[t, c, 0] - ma) * (draws[t, c, 1] - mb));
        float productEss = ChainStatistics.EffectiveSampleSize(products)[0];
        Assert.That(Math.Abs(ma - 1), Is.LessThan(5 / Math.Sqrt(ess[0])));
        Assert.That(Math.Abs(mb + 1), Is.LessThan(5 / Math.Sqrt(ess[1])));
        // Var((a - 1)(b + 1)) = 1 + rho^2 for unit variances and correlation rho.
        Assert.That(Math.Abs(cab - 0.95), Is.LessThan(5 * Math.Sqrt((1 + 0.95 * 0.95) / productEss)), "covariance");
    }

    /// <summary>A dense mass that is not square, symmetric, finite and positive definite is refused, naming mass.</summary>
    [Test]
    public void FromDense_RefusesBadMatrices()
    {
        Assert.Throws<ArgumentException>(() => MassMatrix.FromDense(new float[2, 3]));
        Assert.Throws<ArgumentException>(() => MassMatrix.FromDense(new float[,] { { 1f, 0.5f }, { 0.4f, 1f } }));
        Assert.Throws<ArgumentException>(() => MassMatrix.FromDense(new float[,] { { 1f, 2f }, { 2f, 1f } }));
        Assert.Throws<ArgumentException>(() => MassMatrix.FromDense(new float[,] { { float.NaN, 0f }, { 0f, 1f } }));
        var e = Assert.Throws<ArgumentException>(() => MassMatrix.FromDense(new float[,] { { 1e-40f, 0f }, { 0f, 1f } }));
        Assert.That(e!.ParamName, Is.EqualTo("mass"));
        using var model = new GaussianModel(Device, new float[3], new float[,] { { 1f, 0f, 0f }, { 0f, 1f, 0f }, { 0f, 0f, 1f } });
        var sampler = new HamiltonianMonteCarlo(model, 0.1f, 3, mass: MassMatrix.FromDense(new float[,] { { 1f, 0f }, { 0f, 1f } }));
        Assert.Throws<ArgumentException>(() => sampler.Sample(dim: 3, nSteps: 2, nSamples: 4));
    }
}

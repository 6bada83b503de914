using TorchEbm.Energies;
using TorchEbm.Kernels.Random;
using TorchEbm.Kernels.Samplers.Lanes;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Schedulers;
using TorchEbm.Tests.Kernels;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>
/// The host SIMD twin of the generic chain kernel (<see cref="CpuChains"/>: eight chains per vector, Langevin, MALA, HMC
/// and NUTS, diagonal and dense metrics, over energies with a host vector form, built-in or traced) against the ILGPU
/// kernel on the CPU accelerator.
/// </summary>
/// <remarks>
/// The twin runs the kernel's float operations in the kernel's order lane by lane and draws the same Philox words; only
/// its Box-Muller transcendentals are vector code. So with the normals drawn by the scalar Box-Muller
/// (<see cref="Philox8.ScalarNormals"/>) everything must agree bit for bit, through warm-up, adaptation, schedules,
/// thinning and chain counts that are not multiples of eight; with the vector normals one step from the same states
/// differs by the step's noise factor times the normals' rounding.
/// </remarks>
[NonParallelizable] // sets Philox8.ScalarNormals, a process-wide switch
public sealed class CpuChainsTests(DeviceKind kind) : DeviceTest(kind)
{
    private const float Ulp = 1f / 8388608f; // 2^-23
    private const float MaxRadius = 5.7686f; // sqrt(-2 ln 2^-24): the largest Box-Muller radius

    [SetUp]
    public void CpuOnly()
    {
        if (Device.Kind != DeviceKind.Cpu) Assert.Ignore("the host SIMD twin runs on the CPU device only");
        Assume.That(CpuChains.IsSupported, "no 256-bit vectors here: chains keep the ILGPU kernel");
    }

    [TearDown]
    public void VectorNormals() => Philox8.ScalarNormals = false;

    private static readonly (string Name, Func<Device, BaseModel> Create, int Dim)[] Models =
    [
        ("gaussian 3-D", d => new GaussianModel(d, [1f, -1f, 0.5f], new float[,] { { 1f, 0.5f, 0f }, { 0.5f, 2f, 0.3f }, { 0f, 0.3f, 0.7f } }), 3),
        ("gaussian 1-D", d => new GaussianModel(d, [0.5f], new float[,] { { 2f } }), 1),
        ("double well 5-D", d => new DoubleWellModel(d, 1f, 2f), 5),
        ("harmonic 6-D", d => new HarmonicModel(d, 1.5f), 6),
        ("rosenbrock 2-D", d => new RosenbrockModel(d, 1f, 5f), 2),
        ("rosenbrock 4-D", d => new RosenbrockModel(d, 1f, 5f), 4),
    ];

    private static readonly (string Name, Func<BaseModel, Sampler> Create, SampleOptions Options)[] Samplers =
    [
        ("langevin, schedule, clamp, thin 2",
            m => new LangevinDynamics(m, new ExponentialDecayScheduler(0.05f, 0.97f), noiseScale: 0.8f, seed: 3, clampMin: -2.5f, clampMax: 3f),
            new SampleOptions { ReturnTrajectory = true, Thin = 2 }),
        ("mala, shared warm-up",
            m => new MetropolisAdjustedLangevin(m, 0.2f, seed: 4),
            new SampleOptions { ReturnTrajectory = true, WarmupSteps = 30 }),
        ("mala, per-chain warm-up, schedule",
            m => new MetropolisAdjustedLangevin(m, new ExponentialDecayScheduler(0.3f, 0.99f), seed: 5),
            new SampleOptions { ReturnTrajectory = true, WarmupSteps = 40, StepSizeAdaptation = StepSizeAdaptation.PerChain, Thin = 3, FirstChain = 1_000_003 }),
        ("hmc, mass windows, jitter",
            m => new HamiltonianMonteCarlo(m, 0.2f, 3, seed: 6, stepSizeJitter: 0.2f),
            new SampleOptions { ReturnTrajectory = true, WarmupSteps = 60 }),
        ("hmc, per-chain warm-up, no mass adaptation, fixed step",
            m => new HamiltonianMonteCarlo(m, 0.1f, 4, seed: 7, stepSizeJitter: 0f),
            new SampleOptions { ReturnTrajectory = true, WarmupSteps = 25, StepSizeAdaptation = StepSizeAdaptation.PerChain, AdaptMass = false }),
        ("hmc, dense mass windows",
            m => new HamiltonianMonteCarlo(m, 0.15f, 3, mass: MassMatrix.Dense, seed: 10, stepSizeJitter: 0f),
            new SampleOptions { ReturnTrajectory = true, WarmupSteps = 24 }),
        ("nuts, diagonal mass, fixed step, thin 2",
            m => new NoUTurnSampler(m, 0.3f, maxTreeDepth: 5, mass: 1.5f, seed: 8),
            new SampleOptions { ReturnTrajectory = true, Thin = 2 }),
        ("nuts, dense mass windows, step-size searches",
            m => new NoUTurnSampler(m, 0.2f, maxTreeDepth: 6, seed: 9),
            new SampleOptions { ReturnTrajectory = true, WarmupSteps = 24 }),
    ];

    private static IEnumerable<TestCaseData> Cases()
    {
        for (int m = 0; m < Models.Length; m++)
        for (int s = 0; s < Samplers.Length; s++)
        foreach (int chains in new[] { 13, 16 }) // a partial group, and whole groups
            yield return new TestCaseData(m, s, chains).SetArgDisplayNames(Models[m].Name, Samplers[s].Name, $"{chains} chains");
    }

    private static ChainResult Run(BaseModel model, int sampler, int dim, int chains) =>
        Samplers[sampler].Create(model).SampleChain(dim, 12, chains, Samplers[sampler].Options);

    /// <summary>The floats' bits, so "bit for bit" tells -0 from 0 and one NaN from another.</summary>
    private static int[] Bits(Tensor t) => t.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();

    [Test]
    public void EnergiesWithAHostVectorForm_HaveATwin_OthersKeepTheKernel()
    {
        Assert.That(CpuChains.For(new DoubleWell(1f, 2f)), Is.Not.Null);
        Assert.That(CpuChains.For(new Harmonic(1f)), Is.Not.Null);
        Assert.That(CpuChains.For(new Rosenbrock(1f, 100f)), Is.Not.Null);
        Assert.That(CpuChains.For(new Rastrigin(10f)), Is.Not.Null);
        Assert.That(CpuChains.For(new Gaussian()), Is.Not.Null);
        Assert.That(CpuChains.For(new Ackley(20f, 0.2f, 6f)), Is.Null);
        Assert.That(CpuChains.For(new Sum<Harmonic, DoubleWell>(new(1f), new(1f, 2f), 1f, 1f)), Is.Null);
    }

    /// <summary>Scalar normals: the twin is the kernel, bit for bit, in every output of the run.</summary>
    [TestCaseSource(nameof(Cases))]
    public void WithScalarNormals_EqualsTheKernel_BitForBit(int modelIndex, int samplerIndex, int chains)
    {
        (_, Func<Device, BaseModel> create, int dim) = Models[modelIndex];
        using BaseModel twin = create(Device), kernel = create(Device), vector = create(Device);
        kernel.Source!.HostSimd = false;
        using ChainResult withVectorNormals = Run(vector, samplerIndex, dim, chains);
        Philox8.ScalarNormals = true;
        using ChainResult a = Run(twin, samplerIndex, dim, chains), b = Run(kernel, samplerIndex, dim, chains);

        Assert.That(Bits(a.Trajectory!), Is.EqualTo(Bits(b.Trajectory!)), "trajectory");
        Assert.That(Bits(a.Samples), Is.EqualTo(Bits(b.Samples)), "samples");
        if (b.Info is not null)
        {
            Assert.That(Bits(a.Info!.AcceptanceRate), Is.EqualTo(Bits(b.Info.AcceptanceRate)), "acceptance");
            Assert.That(Bits(a.Info.DivergencesPerChain), Is.EqualTo(Bits(b.Info.DivergencesPerChain)), "divergences");
            Assert.That(Bits(a.Info.StepSizes), Is.EqualTo(Bits(b.Info.StepSizes)), "adapted step sizes");
            if (b.Info.InverseMass is not null) Assert.That(Bits(a.Info.InverseMass!), Is.EqualTo(Bits(b.Info.InverseMass)), "adapted mass");
            Assert.That(Bits(a.Info.AcceptStat!), Is.EqualTo(Bits(b.Info.AcceptStat!)), "per-draw acceptance statistic");
            Assert.That(Bits(a.Info.Energy!), Is.EqualTo(Bits(b.Info.Energy!)), "per-draw energy");
            Assert.That(Bits(a.Info.Divergent!), Is.EqualTo(Bits(b.Info.Divergent!)), "per-draw divergence");
            Assert.That(a.Info.Leapfrogs is null ? null : Bits(a.Info.Leapfrogs), Is.EqualTo(b.Info.Leapfrogs is null ? null : Bits(b.Info.Leapfrogs)), "per-draw leapfrog steps");
            Assert.That(a.Info.TreeDepth is null ? null : Bits(a.Info.TreeDepth), Is.EqualTo(b.Info.TreeDepth is null ? null : Bits(b.Info.TreeDepth)), "per-draw tree depth");
        }
        // The twin really ran: with its vector normals the same run differs from the kernel in the last bits somewhere.
        Assert.That(withVectorNormals.Samples.ToArray(), Is.Not.EqualTo(b.Samples.ToArray()), "vector normals reach the samples");
    }

    /// <summary>
    /// NUTS (<see cref="LaneNuts"/>: eight trees grown together, each lane stopping on its own) against the kernel with scalar
    /// normals, on a built-in and a traced (tape-ops) stiff Gaussian at a step near the leapfrog's stability limit
    /// (eps sqrt(lambda_max) = 2.1): trees of every depth up to a cap of 3 doublings, many capped, some diverging. Every draw and every per-draw
    /// statistic must agree bit for bit, and the run must really contain those cases.
    /// </summary>
    [TestCase("built-in", false)]
    [TestCase("built-in", true)]
    [TestCase("traced", false)]
    [TestCase("traced", true)]
    public void Nuts_WithTreesOfManyDepthsAndDivergences_EqualsTheKernel_BitForBit(string energy, bool dense)
    {
        const int chains = 21, dim = 5, steps = 40;
        float[] mean = [0.5f, -1f, 0f, 2f, 1f];
        float[,] precision = { { 100f, 0f, 0f, 0f, 0f }, { 0f, 25f, 2f, 0f, 0f }, { 0f, 2f, 4f, 0f, 0f }, { 0f, 0f, 0f, 1f, 0.2f }, { 0f, 0f, 0f, 0.2f, 0.05f } };
        BaseModel Create() => energy == "traced" ? new OpGaussian(Device, mean, precision) : new GaussianModel(Device, mean, Inverse(precision));
        using BaseModel twin = Create(), kernel = Create();
        using Tensor start = Device.Randn(chains, dim, seed: 31);
        var options = new SampleOptions { InitialSamples = start, ReturnTrajectory = true };
        MassMatrix mass = dense ? MassMatrix.FromDense(new float[,] { { 1f, 0f, 0f, 0f, 0f }, { 0f, 1f, 0.3f, 0f, 0f }, { 0f, 0.3f, 1f, 0f, 0f }, { 0f, 0f, 0f, 1f, 0f }, { 0f, 0f, 0f, 0f, 1f } })
            : new[] { 1f, 1f, 1f, 1f, 1f };
        ChainResult Run(BaseModel m) => new NoUTurnSampler(m, 0.21f, maxTreeDepth: 3, mass: mass, seed: 13).SampleChain(dim, steps, chains, options);
        kernel.Source!.HostSimd = false;
        Philox8.ScalarNormals = true;
        using ChainResult a = Run(twin), b = Run(kernel);
        Assert.That(Bits(a.Trajectory!), Is.EqualTo(Bits(b.Trajectory!)), "draws");
        Assert.That(Bits(a.Info!.AcceptStat!), Is.EqualTo(Bits(b.Info!.AcceptStat!)), "per-draw acceptance statistic");
        Assert.That(Bits(a.Info.Energy!), Is.EqualTo(Bits(b.Info.Energy!)), "per-draw energy");
        Assert.That(Bits(a.Info.TreeDepth!), Is.EqualTo(Bits(b.Info.TreeDepth!)), "per-draw tree depth");
        Assert.That(Bits(a.Info.Leapfrogs!), Is.EqualTo(Bits(b.Info.Leapfrogs!)), "per-draw leapfrog steps");
        Assert.That(Bits(a.Info.Divergent!), Is.EqualTo(Bits(b.Info.Divergent!)), "per-draw divergence");
        Assert.That(Bits(a.Info.AcceptanceRate), Is.EqualTo(Bits(b.Info.AcceptanceRate)), "acceptance");
        Assert.That(Bits(a.Info.DivergencesPerChain), Is.EqualTo(Bits(b.Info.DivergencesPerChain)), "divergences");
        float[] depths = b.Info.TreeDepth!.ToArray(), divergent = b.Info.Divergent!.ToArray();
        Assert.That(depths.Distinct().Count(), Is.EqualTo(3), "trees of every depth");
        Assert.That(depths.Count(v => v == 3f), Is.GreaterThan(10), "trees capped at the maximum depth");
        TestContext.Out.WriteLine($"depths 1/2/3: {depths.Count(v => v == 1f)}/{depths.Count(v => v == 2f)}/{depths.Count(v => v == 3f)}, divergent {divergent.Count(v => v != 0f)} of {divergent.Length}");
        Assert.That(divergent.Count(v => v != 0f), Is.InRange(1, divergent.Length - 1), "some transitions diverge, not all");
    }

    /// <summary>
    /// NUTS lanes run paced (<see cref="CpuChains"/>: a lane starts its next transition as soon as its own tree stops, so
    /// the eight lanes of a group are at different steps and leaves): through fused warm-up blocks (each chain's step-size
    /// update and its kept positions at the lane's own step), a mass window, the step-size searches and the sampling launch,
    /// on the stiff Gaussian where depths vary from chain to chain. The adapted step sizes and mass, every draw and every
    /// per-draw statistic equal the kernel's bit for bit.
    /// </summary>
    [TestCase(false)]
    [TestCase(true)]
    public void Nuts_PacedLanesThroughWarmup_EqualTheKernel_BitForBit(bool dense)
    {
        const int chains = 19, dim = 5, steps = 30;
        float[] mean = [0.5f, -1f, 0f, 2f, 1f];
        float[,] precision = { { 100f, 0f, 0f, 0f, 0f }, { 0f, 25f, 2f, 0f, 0f }, { 0f, 2f, 4f, 0f, 0f }, { 0f, 0f, 0f, 1f, 0.2f }, { 0f, 0f, 0f, 0.2f, 0.05f } };
        using BaseModel twin = new OpGaussian(Device, mean, precision), kernel = new OpGaussian(Device, mean, precision);
        using Tensor start = Device.Randn(chains, dim, seed: 41);
        var options = new SampleOptions { InitialSamples = start, ReturnTrajectory = true, WarmupSteps = 150 }; // windows: fast 75, slow 75-100, fast
        ChainResult Run(BaseModel m) =>
            new NoUTurnSampler(m, 0.3f, maxTreeDepth: 6, mass: dense ? MassMatrix.Dense : 1f, seed: 17).SampleChain(dim, steps, chains, options);
        kernel.Source!.HostSimd = false;
        Philox8.ScalarNormals = true;
        using ChainResult a = Run(twin), b = Run(kernel);
        Assert.That(Bits(a.Info!.StepSizes), Is.EqualTo(Bits(b.Info!.StepSizes)), "adapted step sizes");
        Assert.That(Bits(a.Info.InverseMass!), Is.EqualTo(Bits(b.Info.InverseMass!)), "adapted mass");
        Assert.That(Bits(a.Trajectory!), Is.EqualTo(Bits(b.Trajectory!)), "draws");
        Assert.That(Bits(a.Info.AcceptStat!), Is.EqualTo(Bits(b.Info.AcceptStat!)), "per-draw acceptance statistic");
        Assert.That(Bits(a.Info.Energy!), Is.EqualTo(Bits(b.Info.Energy!)), "per-draw energy");
        Assert.That(Bits(a.Info.TreeDepth!), Is.EqualTo(Bits(b.Info.TreeDepth!)), "per-draw tree depth");
        Assert.That(Bits(a.Info.Leapfrogs!), Is.EqualTo(Bits(b.Info.Leapfrogs!)), "per-draw leapfrog steps");
        Assert.That(Bits(a.Info.Divergent!), Is.EqualTo(Bits(b.Info.Divergent!)), "per-draw divergence");
        Assert.That(Bits(a.Info.AcceptanceRate), Is.EqualTo(Bits(b.Info.AcceptanceRate)), "acceptance");
        // The lanes really went out of step: within a group of eight, trees of different sizes in the same transition.
        float[] leapfrogs = b.Info.Leapfrogs!.ToArray();
        int unequal = Enumerable.Range(0, steps).Count(t => Enumerable.Range(0, 8).Select(l => leapfrogs[t * chains + l]).Distinct().Count() > 1);
        TestContext.Out.WriteLine($"transitions whose first group's trees differ in size: {unequal} of {steps}");
        Assert.That(unequal, Is.GreaterThan(steps / 2), "trees of different sizes side by side");
    }

    /// <summary>The inverse of a symmetric positive definite matrix (Gauss-Jordan in float64): the built-in Gaussian takes a covariance.</summary>
    private static float[,] Inverse(float[,] m)
    {
        int n = m.GetLength(0);
        var a = new double[n, 2 * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) a[i, j] = m[i, j];
            a[i, n + i] = 1;
        }
        for (int c = 0; c < n; c++)
        {
            double pivot = a[c, c];
            for (int j = 0; j < 2 * n; j++) a[c, j] /= pivot;
            for (int r = 0; r < n; r++)
            {
                if (r == c) continue;
                double f = a[r, c];
                for (int j = 0; j < 2 * n; j++) a[r, j] -= f * a[c, j];
            }
        }
        var inverse = new float[n, n];
        for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) inverse[i, j] = (float)a[i, n + j];
        return inverse;
    }

    /// <summary>
    /// Vector normals, one step from the same states: Langevin and MALA move x by sigma z with sigma = sqrt(2 h) (times the
    /// noise scale), HMC with one leapfrog step by eps M^-1 p = eps sqrt(M^-1) z; so the states differ by at most that factor
    /// times |dz| &lt;= 6 ulps of the radius (<see cref="Philox8Tests.NormalUlpsOfRadius"/>), plus the result's rounding
    /// (two ulps: the sums round differently once the noise differs); the Metropolis decisions agree.
    /// </summary>
    [TestCase("langevin")]
    [TestCase("mala")]
    [TestCase("hmc")]
    public void VectorNormals_OneStep_IsWithinTheNormalsRounding(string sampler)
    {
        const int chains = 29, dim = 6;
        const float h = 0.05f, noiseScale = 0.8f;
        // Not separable, so Langevin too runs the chain loop's twin (a separable one runs CpuLangevin).
        BaseModel Gaussian() => new GaussianModel(Device, new float[dim],
            new float[,] { { 1, 0.3f, 0, 0, 0, 0 }, { 0.3f, 2, 0, 0, 0, 0 }, { 0, 0, 1, 0, 0, 0 }, { 0, 0, 0, 0.5f, 0, 0 }, { 0, 0, 0, 0, 3, 0 }, { 0, 0, 0, 0, 0, 1 } });
        using BaseModel twin = Gaussian(), kernel = Gaussian();
        kernel.Source!.HostSimd = false;
        using Tensor start = Device.Randn(chains, dim, seed: 11);
        var options = new SampleOptions { InitialSamples = start, Seed = 12 };
        Sampler Create(BaseModel m) => sampler switch
        {
            "langevin" => new LangevinDynamics(m, h, noiseScale: noiseScale, seed: 3),
            "mala" => new MetropolisAdjustedLangevin(m, h, seed: 3),
            _ => new HamiltonianMonteCarlo(m, h, 1, seed: 3, stepSizeJitter: 0f),
        };
        float factor = sampler switch
        {
            "langevin" => noiseScale * MathF.Sqrt(2f * h),
            "mala" => MathF.Sqrt(2f * h),
            _ => h, // eps M^-1 p with M = I and p = z
        };
        using ChainResult a = Create(twin).SampleChain(dim, 1, chains, options), b = Create(kernel).SampleChain(dim, 1, chains, options);
        float[] xa = a.Samples.ToArray(), xb = b.Samples.ToArray();
        for (int i = 0; i < xa.Length; i++)
        {
            float bound = factor * Philox8Tests.NormalUlpsOfRadius * Ulp * MaxRadius + 2f * Ulp * Math.Max(1f, Math.Abs(xb[i]));
            Assert.That(xa[i], Is.EqualTo(xb[i]).Within(bound), $"element {i}");
        }
        Assert.That(xa, Is.Not.EqualTo(xb), "the twin ran: its normals round differently somewhere");
        if (b.Info is not null) Assert.That(a.Info!.AcceptanceRate.ToArray(), Is.EqualTo(b.Info.AcceptanceRate.ToArray()), "decisions");
    }

    /// <summary>
    /// Rastrigin's host form takes vector sines and cosines, so even with scalar normals one step from the same states
    /// differs: by h |dg| for MALA's proposal x - h g + sigma z, and eps^2 / 2 |dg| for HMC's one leapfrog step
    /// x + eps (p - eps g / 2), where |dg| &lt;= (4 c + 2 box) 2^-23 with c = 2 pi a (the sine's 4 ulps of a value below 1,
    /// scaled by c, plus the roundings: see <see cref="CpuLangevinTests"/>), plus two ulps of the result; decisions agree.
    /// </summary>
    [TestCase("mala")]
    [TestCase("hmc")]
    public void Rastrigin_OneStep_IsWithinTheSinesRounding(string sampler)
    {
        const int chains = 29, dim = 5;
        const float a = 2f, h = 0.01f;
        using BaseModel twin = new RastriginModel(Device, a), kernel = new RastriginModel(Device, a);
        kernel.Source!.HostSimd = false;
        using Tensor start = Device.Randn(chains, dim, seed: 21);
        float box = start.ToArray().Max(MathF.Abs);
        var options = new SampleOptions { InitialSamples = start, Seed = 22 };
        Sampler Create(BaseModel m) => sampler == "mala"
            ? new MetropolisAdjustedLangevin(m, h, seed: 3)
            : new HamiltonianMonteCarlo(m, h, 1, seed: 3, stepSizeJitter: 0f);
        Philox8.ScalarNormals = true;
        using ChainResult r1 = Create(twin).SampleChain(dim, 1, chains, options), r2 = Create(kernel).SampleChain(dim, 1, chains, options);
        float gradientError = (4f * (2f * MathF.PI * a) + 2f * box) * Ulp, factor = sampler == "mala" ? h : h * h / 2f;
        float[] xa = r1.Samples.ToArray(), xb = r2.Samples.ToArray();
        for (int i = 0; i < xa.Length; i++)
            Assert.That(xa[i], Is.EqualTo(xb[i]).Within(factor * gradientError + 2f * Ulp * Math.Max(1f, Math.Abs(xb[i]))), $"element {i}");
        Assert.That(r1.Info!.AcceptanceRate.ToArray(), Is.EqualTo(r2.Info!.AcceptanceRate.ToArray()), "decisions");
    }
}

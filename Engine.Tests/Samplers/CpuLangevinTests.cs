using TorchEbm.Energies;
using TorchEbm.Kernels.Random;
using TorchEbm.Kernels.Samplers;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Schedulers;
using TorchEbm.Tests.Kernels;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>
/// The host SIMD twin of the per-coordinate Langevin kernel (<see cref="CpuLangevin"/>) against the ILGPU kernel on the
/// CPU accelerator: every separable energy, dimensions that are not multiples of 4 or 8, chains not a multiple of 8,
/// trajectories with thinning, schedules, clamps and noise scales.
/// </summary>
/// <remarks>
/// The two draw the same Philox words and uniforms (bit for bit: <see cref="Philox8Tests"/>) and run the same float
/// operations on them, except the Box-Muller transcendentals (and Rastrigin's sine). So: with noise 0 they are
/// bit-identical for gradients without transcendentals; one noisy step from the same state differs by at most
/// sigma |dz| + the final rounding; a few steps propagate that by the step map's Lipschitz constant 1 + h max|f''|.
/// </remarks>
public sealed class CpuLangevinTests(DeviceKind kind) : DeviceTest(kind)
{
    private const float Ulp = 1f / 8388608f; // 2^-23: one ulp relative
    private const float MaxRadius = 5.7686f; // sqrt(-2 ln 2^-24): the largest Box-Muller radius (smallest uniform cell)

    [SetUp]
    public void CpuOnly()
    {
        if (Device.Kind != DeviceKind.Cpu) Assert.Ignore("the host SIMD path runs on the CPU device only");
        Assume.That(CpuLangevin.IsSupported, "no 256-bit vectors here: Langevin keeps the ILGPU kernel");
    }

    /// <summary>An energy, a bound on |f''| over [-box, box], and on |f'_vector - f'_scalar| there (0: bit-identical).</summary>
    private sealed record Energy(string Name, Func<Device, BaseModel> Create, Func<float, float> Curvature, Func<float, float> GradientError);

    private static readonly Energy[] Energies =
    [
        new("double well", d => new DoubleWellModel(d, 1f, 2f), box => 4f * (3f * box * box + 2f), _ => 0f),
        new("harmonic", d => new HarmonicModel(d, 1.5f), _ => 1.5f, _ => 0f),
        // f' = 2x + 2 pi a sin(2 pi x): the two sines differ by at most 4 ulps of a value below 1, times 2 pi a, plus the sum's rounding.
        // f' = 2x + c sin(2 pi x), c = 2 pi a: the sines differ by at most 4 ulps of a value below 1 (2 c 2^-23 after
        // the product), the products' roundings by one ulp (c 2^-23), the sums' by one ulp of |f'| <= 2 box + c.
        new("rastrigin", d => new RastriginModel(d, 2f), _ => 2f + 4f * MathF.PI * MathF.PI * 2f,
            box => (4f * (2f * MathF.PI * 2f) + 2f * box) * Ulp),
    ];

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (Energy energy in Energies)
        foreach (int d in new[] { 1, 3, 5, 130 })
            yield return new TestCaseData(energy.Name, d).SetArgDisplayNames(energy.Name, $"d {d}");
    }

    private static Energy Named(string name) => Energies.Single(e => e.Name == name);

    private static void UseIlgpu(BaseModel model)
    {
        switch (model.Source)
        {
            case SeparableEnergySource<DoubleWell> s: s.HostSimd = false; break;
            case SeparableEnergySource<Harmonic> s: s.HostSimd = false; break;
            case SeparableEnergySource<Rastrigin> s: s.HostSimd = false; break;
            default: throw new InvalidOperationException($"{model.GetType().Name} has no per-coordinate Langevin");
        }
    }

    private static bool IsHostSimd(BaseModel model) => model.Source switch
    {
        SeparableEnergySource<DoubleWell> s => s.HostSimd,
        SeparableEnergySource<Harmonic> s => s.HostSimd,
        SeparableEnergySource<Rastrigin> s => s.HostSimd,
        _ => false,
    };

    [Test]
    public void OnTheCpu_SeparableLangevin_RunsTheHostSimdPath()
    {
        foreach (Energy energy in Energies)
        {
            using BaseModel model = energy.Create(Device);
            Assert.That(IsHostSimd(model), Is.True, energy.Name);
        }
    }

    /// <summary>Noise 0: the same float operations on the same numbers, so bit for bit (up to Rastrigin's sine).</summary>
    [TestCaseSource(nameof(Cases))]
    public void WithoutNoise_ScheduleClampAndTrajectory_EqualTheIlgpuKernel(string energyName, int d)
    {
        Energy energy = Named(energyName);
        const int n = 13, steps = 9, thin = 2;
        const float box = 2.5f;
        using BaseModel simd = energy.Create(Device), ilgpu = energy.Create(Device);
        UseIlgpu(ilgpu);
        using Tensor x0 = Device.FromArray(Inside(n * d, 2f, seed: 4), n, d);
        var options = new SampleOptions { InitialSamples = x0, ReturnTrajectory = true, Thin = thin, Seed = 3 };
        ChainResult Run(BaseModel model) =>
            new LangevinDynamics(model, new ExponentialDecayScheduler(0.01f, 0.9f), noiseScale: 0f, seed: 3, clampMin: -box, clampMax: 2f)
                .SampleChain(d, steps, n, options);
        using ChainResult a = Run(simd), b = Run(ilgpu);

        float[] ta = a.Trajectory!.ToArray(), tb = b.Trajectory!.ToArray();
        Assert.That(ta, Has.Length.EqualTo(steps / thin * n * d));
        float gradientError = energy.GradientError(box);
        if (gradientError == 0f)
        {
            Assert.That(ta, Is.EqualTo(tb), "trajectory, bit for bit");
            Assert.That(a.Samples.ToArray(), Is.EqualTo(b.Samples.ToArray()), "samples, bit for bit");
            return;
        }
        // Rastrigin: each step adds h |df'| + one rounding, carried by 1 + h max|f''|.
        AssertWithinPropagated(ta, tb, steps / thin, thin, 0.01f, energy.Curvature(box), step => 0.01f * gradientError + Ulp * box);
    }

    /// <summary>
    /// One noisy step from the same states, at a late step word and a non-zero call word, with and without a clamp:
    /// |x_simd - x_ilgpu| &lt;= sigma * 6 * 2^-23 * r_max (the normals, <see cref="Philox8Tests.NormalUlpsOfRadius"/>) +
    /// h |df'| + one ulp of the result (the final sum rounds differently once the noise differs).
    /// </summary>
    [TestCaseSource(nameof(Cases))]
    public void OneNoisyStep_FromTheSameStates_IsWithinTheNormalsRounding(string energyName, int d)
    {
        Energy energy = Named(energyName);
        const int n = 13;
        const float h = 0.02f, noiseScale = 0.7f;
        var rng = Philox4x32.FromSeed(99);
        BaseModel model = energy.Create(Device);
        using var _ = model;
        float sigma = noiseScale * MathF.Sqrt(2f * h);
        foreach ((float lo, float hi) in new[] { (float.NegativeInfinity, float.PositiveInfinity), (-1.5f, 1.25f) })
        foreach (int firstStep in new[] { 0, 1234567 })
        {
            using Tensor start = Device.Randn(n, d, seed: firstStep + 1), xs = start.Clone(), xi = start.Clone();
            using Tensor stepSizes = Device.Full(h, 1), noiseScales = Device.Full(noiseScale, 1);
            using Tensor ts = Device.Zeros(1, n, d), ti = Device.Zeros(1, n, d);
            var settings = new ChainSettings(d, 1, firstStep, 1, 0x0000_0007u);
            var transition = new LangevinTransition(stepSizes.View, noiseScales.View, lo, hi);
            RunBoth(model, xs, ts, xi, ti, settings, rng, transition);

            float[] a = xs.ToArray(), b = xi.ToArray(), moved = start.ToArray();
            float box = moved.Max(MathF.Abs) + 1f;
            // Step 0's state is kept row 0; a late step's row lies past this one-row trajectory: neither writes it.
            Assert.That(ts.ToArray(), firstStep == 0 ? Is.EqualTo(a) : Is.All.Zero, "kept row, host SIMD");
            Assert.That(ti.ToArray(), firstStep == 0 ? Is.EqualTo(b) : Is.All.Zero, "kept row, ILGPU");
            for (int i = 0; i < a.Length; i++)
            {
                float bound = sigma * Philox8Tests.NormalUlpsOfRadius * Ulp * MaxRadius + h * energy.GradientError(box) + Ulp * MathF.Abs(b[i]);
                Assert.That(a[i], Is.EqualTo(b[i]).Within(bound), $"clamp [{lo}, {hi}], step {firstStep}, element {i}");
                Assert.That(a[i], Is.Not.EqualTo(moved[i]), "the step moved it");
            }
        }
    }

    /// <summary>
    /// A few noisy steps through the sampler, with a schedule, a clamp, a noise scale and a thinned trajectory: each step
    /// adds at most the one-step bound, and the step map x - h f'(x) carries an earlier difference by at most
    /// 1 + h max|f''| over the clamp box.
    /// </summary>
    [TestCaseSource(nameof(Cases))]
    public void FewNoisySteps_ThroughTheSampler_AreWithinThePropagatedBound(string energyName, int d) => FewNoisySteps(Named(energyName), d, 13);

    /// <summary>The same with enough work to run in parallel chunks (301 chains x 130 dims x 6 steps; 301 is not a multiple of 8).</summary>
    [Test]
    public void FewNoisySteps_InParallelChunks_AreWithinThePropagatedBound() => FewNoisySteps(Energies[0], 130, 301);

    private void FewNoisySteps(Energy energy, int d, int n)
    {
        const int steps = 6, thin = 2;
        const float box = 2f, noiseScale = 0.6f, h0 = 0.01f;
        using BaseModel simd = energy.Create(Device), ilgpu = energy.Create(Device);
        UseIlgpu(ilgpu);
        using Tensor x0 = Device.FromArray(Inside(n * d, box, seed: 8), n, d);
        var options = new SampleOptions { InitialSamples = x0, ReturnTrajectory = true, Thin = thin, Seed = 17 };
        ChainResult Run(BaseModel model) =>
            new LangevinDynamics(model, new LinearScheduler(h0, 0.005f, steps), noiseScale, seed: 5, clampMin: -box, clampMax: box)
                .SampleChain(d, steps, n, options);
        using ChainResult a = Run(simd), b = Run(ilgpu);

        float sigma = noiseScale * MathF.Sqrt(2f * h0); // the largest step's
        float perStep = sigma * Philox8Tests.NormalUlpsOfRadius * Ulp * MaxRadius + h0 * energy.GradientError(box) + Ulp * box;
        AssertWithinPropagated(a.Trajectory!.ToArray(), b.Trajectory!.ToArray(), steps / thin, thin, h0, energy.Curvature(box), _ => perStep);
        Assert.That(a.Samples.ToArray(), Is.Not.EqualTo(x0.ToArray()), "the chains moved");
    }

    /// <summary>Uniform starting states in [-box, box], so the curvature bound over the box holds from the first step.</summary>
    private static float[] Inside(int count, float box, int seed)
    {
        var random = new System.Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * box)];
    }

    /// <summary>Kept row r (after step (r + 1) thin) within sum over steps of perStep * L^(steps after it), L = 1 + h curvature.</summary>
    private static void AssertWithinPropagated(float[] a, float[] b, int rows, int thin, float h, float curvature, Func<int, float> perStep)
    {
        int rowLength = a.Length / rows;
        float lipschitz = 1f + h * curvature;
        for (int r = 0; r < rows; r++)
        {
            int stepsDone = (r + 1) * thin;
            float bound = 0f;
            for (int s = 0; s < stepsDone; s++) bound = bound * lipschitz + perStep(s);
            for (int i = r * rowLength; i < (r + 1) * rowLength; i++)
                Assert.That(a[i], Is.EqualTo(b[i]).Within(bound), $"kept row {r}, element {i - r * rowLength}");
        }
    }

    /// <summary>Runs the host SIMD twin on (xs, ts) and the ILGPU kernel on (xi, ti) with the same arguments.</summary>
    private void RunBoth(BaseModel model, Tensor xs, Tensor ts, Tensor xi, Tensor ti, ChainSettings settings, Philox4x32 rng, LangevinTransition transition)
    {
        long items = (long)xs.Dim(0) * ((xs.Dim(1) + 3) / 4);
        switch (model)
        {
            case DoubleWellModel m:
                CpuLangevin.Coordinates(xs.View, ts.View, settings, rng, transition, m.Energy);
                Device.Launch(LangevinKernels.Coordinates, items, xi.View, ti.View, settings, rng, transition, m.Energy);
                break;
            case HarmonicModel m:
                CpuLangevin.Coordinates(xs.View, ts.View, settings, rng, transition, m.Energy);
                Device.Launch(LangevinKernels.Coordinates, items, xi.View, ti.View, settings, rng, transition, m.Energy);
                break;
            case RastriginModel m:
                CpuLangevin.Coordinates(xs.View, ts.View, settings, rng, transition, m.Energy);
                Device.Launch(LangevinKernels.Coordinates, items, xi.View, ti.View, settings, rng, transition, m.Energy);
                break;
            default:
                throw new InvalidOperationException(model.GetType().Name);
        }
    }

    /// <summary>The same seed twice on the host SIMD path: bit-identical (no reduction, no order that depends on threads).</summary>
    [Test]
    public void SameSeed_HostSimd_IsBitIdentical()
    {
        using var model = new DoubleWellModel(Device);
        var options = new SampleOptions { ReturnTrajectory = true, Thin = 5 };
        using ChainResult a = new LangevinDynamics(model, 0.01f, seed: 5).SampleChain(37, 40, 301, options);
        using ChainResult b = new LangevinDynamics(model, 0.01f, seed: 5).SampleChain(37, 40, 301, options);
        Assert.That(b.Trajectory!.ToArray(), Is.EqualTo(a.Trajectory!.ToArray()));
        Assert.That(b.Samples.ToArray(), Is.EqualTo(a.Samples.ToArray()));
    }

    /// <summary>
    /// States that are or become NaN or infinite (eight steps of 1e6 on the harmonic energy) give the kernel's values, with
    /// and without a clamp (IEEE min/max keep NaN as XMath.Clamp does). Launched directly: the sampler refuses
    /// non-finite initial samples.
    /// </summary>
    [Test]
    public void NonFiniteStates_GiveTheIlgpuKernelsValues()
    {
        using var model = new HarmonicModel(Device);
        float[] start = [1f, 0f, float.NaN, float.PositiveInfinity, -1f, 0f, 2f, float.NegativeInfinity, 0.5f];
        using Tensor stepSizes = Device.Full(1e6f, 1), noiseScales = Device.Full(0f, 1), none = Device.Zeros(1);
        foreach ((float lo, float hi) in new[] { (float.NegativeInfinity, float.PositiveInfinity), (-3f, 3f) })
        {
            using Tensor xs = Device.FromArray(start, 3, 3), xi = Device.FromArray(start, 3, 3);
            var transition = new LangevinTransition(stepSizes.View, noiseScales.View, lo, hi);
            RunBoth(model, xs, none, xi, none, new ChainSettings(3, 8, 0, 1, 0), Philox4x32.FromSeed(1), transition);
            float[] simd = xs.ToArray();
            Assert.That(simd, Is.EqualTo(xi.ToArray()), $"clamp [{lo}, {hi}]");
            int nonFinite = simd.Count(v => !float.IsFinite(v));
            // Unclamped, all but the two zeros end non-finite (x (1 - 1e6)^7 overflows, then inf - inf); clamped, the
            // three that start non-finite (inf - h inf is NaN).
            Assert.That(nonFinite, Is.EqualTo(float.IsInfinity(hi) ? 7 : 3));
        }
    }
}

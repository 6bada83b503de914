using TorchEbm.Energies;
using TorchEbm.Kernels.Random;
using TorchEbm.Kernels.Samplers;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Schedulers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>Schedules reach every Langevin path at the right step, and the separable decomposition matches the per-chain kernel.</summary>
public sealed class ScheduledLangevinTests(DeviceKind kind) : DeviceTest(kind)
{
    /// <summary>With noise 0, Langevin on E = k/2 |x|^2 is x_t+1 = (1 - h_t k) x_t: the product of the schedule's factors.</summary>
    [TestCase(true)]
    [TestCase(false)]
    public void StepSizeSchedule_IsAppliedAtEachStep(bool fused)
    {
        const float k = 2f;
        var schedule = new CosineScheduler(0.2f, 0.01f, 6);
        using BaseModel model = fused ? new HarmonicModel(Device, k) : new OpaqueModel(new HarmonicModel(Device, k));
        var sampler = new LangevinDynamics(model, schedule, noiseScale: 0f, seed: 1);
        using Tensor x0 = Device.FromArray([1f, -2f, 3f, 0.5f, 4f], 1, 5);
        using ChainResult r = sampler.SampleChain(5, 8, 1, new SampleOptions { InitialSamples = x0, ReturnTrajectory = true });

        float[] trajectory = r.Trajectory!.ToArray(), start = x0.ToArray();
        for (int t = 0; t < 8; t++)
        {
            double factor = 1;
            for (int s = 0; s <= t; s++) factor *= 1 - schedule.ValueAt(s) * k;
            for (int j = 0; j < 5; j++)
                Assert.That(trajectory[t * 5 + j], Is.EqualTo(start[j] * factor).Within(1e-5 * Math.Abs(start[j])), $"step {t}, coordinate {j}");
        }
    }

    [Test]
    public void NoiseSchedule_ZeroAfterAMilestone_StopsTheNoise()
    {
        // Noise 1 for two steps, then 0: from step 2 on the chains follow the deterministic decay exactly.
        using var model = new HarmonicModel(Device, 1f);
        var sampler = new LangevinDynamics(model, 0.1f, new MultiStepScheduler(1f, [2], gamma: 0f), seed: 9);
        using ChainResult r = sampler.SampleChain(3, 5, 10, new SampleOptions { ReturnTrajectory = true });
        float[] t = r.Trajectory!.ToArray();
        for (int step = 2; step < 5; step++)
        for (int i = 0; i < 30; i++)
            Assert.That(t[step * 30 + i], Is.EqualTo(0.9f * t[(step - 1) * 30 + i]).Within(1e-6f));
        Assert.That(t[30..60], Is.Not.EqualTo(t[0..30].Select(v => 0.9f * v).ToArray()), "step 1 still has noise");
    }

    [Test]
    public void SampleStep_UsesTheScheduleAtTheGivenStep()
    {
        using var model = new HarmonicModel(Device, 1f);
        var sampler = new LangevinDynamics(model, new LinearScheduler(0.5f, 0.1f, 4), noiseScale: 0f);
        using Tensor x = Device.FromArray([1f, 2f], 1, 2);
        using Tensor atStart = sampler.SampleStep(x), atTwo = sampler.SampleStep(x, step: 2);
        Assert.That(atStart.ToArray(), Is.EqualTo(new[] { 0.5f, 1f }).Within(1e-6f));
        Assert.That(atTwo.ToArray(), Is.EqualTo(new[] { 0.7f, 1.4f }).Within(1e-6f));
    }

    [Test]
    public void ScheduleLeavingItsRange_IsRejectedBeforeAnyLaunch()
    {
        using var model = new HarmonicModel(Device, 1f);
        var sampler = new LangevinDynamics(model, new LinearScheduler(0.1f, -0.1f, 10));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Sample(dim: 2, nSteps: 10, nSamples: 4))!;
        Assert.That(e.ParamName, Is.EqualTo("StepSize"));
        Assert.That(e.Message, Does.Contain("step 5"));
        Assert.DoesNotThrow(() => sampler.Sample(dim: 2, nSteps: 5, nSamples: 4).Dispose(), "steps 0-4 are all positive");
        var noisy = new LangevinDynamics(model, 0.1f, new LinearScheduler(1f, -1f, 2));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => noisy.Sample(dim: 2, nSteps: 3, nSamples: 4))!.ParamName, Is.EqualTo("NoiseScale"));
    }

    /// <summary>
    /// The per-coordinate ILGPU kernel (separable energies) and the per-chain kernel give the same chains. On the CPU the
    /// sampler would run the host SIMD twin (equal to float rounding: CpuLangevinTests): the ILGPU kernel is forced here.
    /// </summary>
    [Test]
    public void SeparableDecomposition_EqualsPerChainKernel()
    {
        const int n = 33, d = 7, steps = 25, thin = 4;
        using var model = new DoubleWellModel(Device);
        ((SeparableEnergySource<DoubleWell>)model.Source).HostSimd = false;
        var sampler = new LangevinDynamics(model, new ExponentialDecayScheduler(0.02f, 0.97f), seed: 21);
        using Tensor x0 = Device.Randn(n, d, seed: 2);
        using ChainResult coordinates = sampler.SampleChain(d, steps, n,
            new SampleOptions { InitialSamples = x0, ReturnTrajectory = true, Thin = thin, Seed = 21 });

        using Tensor x = x0.Clone(), scratch = Device.Zeros(n, d), scalars = Device.Zeros(n), none = Device.Zeros(1), trajectory = Device.Zeros(steps / thin, n, d);
        using Tensor stepSizes = Device.FromArray(sampler.StepSize.Values(0, steps), steps), noiseScales = Device.Full(1f, steps);
        var settings = new ChainSettings(d, steps, 0, thin, 0);
        var transition = new LangevinTransition(stepSizes.View, noiseScales.View, float.NegativeInfinity, float.PositiveInfinity);
        Device.Launch(ChainKernels.Chains, n, x.View, new ChainBuffers(scratch.View, scalars.View, none.View), trajectory.View, settings, Philox4x32.FromSeed(21),
            new AnalyticSource<DoubleWell>(model.Energy), transition);

        float[] a = coordinates.Trajectory!.ToArray(), b = trajectory.ToArray();
        if (Device.Kind == DeviceKind.Cpu)
            Assert.That(b, Is.EqualTo(a), "same float operations in the same order on the CPU");
        else // the GPU compiler may contract multiply-adds differently in the two kernels
            for (int i = 0; i < a.Length; i++) Assert.That(b[i], Is.EqualTo(a[i]).Within(1e-5f * Math.Max(1f, Math.Abs(a[i]))));
        Assert.That(x.ToArray(), Is.EqualTo(coordinates.Samples.ToArray()).Within(1e-5f));
    }

    private static IEnumerable<TestCaseData> SettlingSchedules()
    {
        yield return new TestCaseData((Scheduler)0.01f).SetArgDisplayNames("constant");
        yield return new TestCaseData((Scheduler)new LinearScheduler(0.01f, 0.001f, 10)).SetArgDisplayNames("linear, settled from step 10");
    }

    /// <summary>
    /// A schedule's table stops at the step it settles (a constant one is one entry), so a long run allocates no
    /// per-step table: two would take 8 bytes a step, 32 MB here.
    /// </summary>
    [TestCaseSource(nameof(SettlingSchedules))]
    public void SettlingSchedule_LongRun_AllocatesNoPerStepTable(Scheduler stepSize)
    {
        using var model = new HarmonicModel(Device);
        var sampler = new LangevinDynamics(model, stepSize, 0.5f, seed: 1);
        sampler.Sample(dim: 1, nSteps: 2, nSamples: 1).Dispose(); // compiles the kernel outside the measurement

        long before = GC.GetAllocatedBytesForCurrentThread();
        using Tensor x = sampler.Sample(dim: 1, nSteps: 4_000_000, nSamples: 1);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.LessThan(1_000_000));
        Assert.That(float.IsFinite(x.ToArray()[0]), Is.True);
    }

    [Test]
    public void ScheduleThatNeverSettles_OverTooManySteps_IsRejectedBeforeAllocating()
    {
        using var model = new HarmonicModel(Device);
        var sampler = new LangevinDynamics(model, new ExponentialDecayScheduler(0.01f, 0.999f), seed: 1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Sample(dim: 1, nSteps: int.MaxValue, nSamples: 1).Dispose())!;
        Assert.That(e.ParamName, Is.EqualTo("StepSize"));
    }
}

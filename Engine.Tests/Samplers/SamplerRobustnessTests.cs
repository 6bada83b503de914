using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Schedulers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>
/// The sampler core under stress (found in review): no leaks when a user model misbehaves mid-run, reproducibility
/// including Info, step-by-step equal to fused with every adaptation feature, exact counts beyond 2^24 steps, burn-in
/// independent of the steps after it, working memory beyond 32-bit indices refused before any allocation, and the
/// step-by-step launch count the docs state.
/// </summary>
public sealed class SamplerRobustnessTests(DeviceKind kind) : DeviceTest(kind)
{
    /// <summary>A user model that returns a gradient of the wrong shape from its <c>failAt</c>-th Gradient call on.</summary>
    private sealed class FlakyModel(BaseModel inner, int failAt, bool failForward = false) : BaseModel(inner.Device)
    {
        private int _gradients, _forwards;

        public override int? Dim => inner.Dim;

        public override Tensor Forward(Tensor x)
        {
            if (failForward && ++_forwards >= failAt) return Device.Zeros(x.Dim(0) + 1);
            return inner.Forward(x);
        }

        public override Tensor Gradient(Tensor x)
        {
            if (!failForward && ++_gradients >= failAt) return Device.Zeros(x.Dim(0) * x.Dim(1));
            return inner.Gradient(x);
        }
    }

    private static IEnumerable<TestCaseData> Samplers()
    {
        yield return new TestCaseData((Func<BaseModel, Sampler>)(m => new MetropolisAdjustedLangevin(m, 0.3f, seed: 5))).SetArgDisplayNames("MALA");
        yield return new TestCaseData((Func<BaseModel, Sampler>)(m => new HamiltonianMonteCarlo(m, 0.3f, 3, seed: 5))).SetArgDisplayNames("HMC");
        yield return new TestCaseData((Func<BaseModel, Sampler>)(m => new LangevinDynamics(m, 0.05f, seed: 5))).SetArgDisplayNames("Langevin");
    }

    // ---------------------------------------------------------------- leaks

    [TestCaseSource(nameof(Samplers))]
    public void FullRun_FusedAndStepByStep_LeavesNoLiveTensors(Func<BaseModel, Sampler> create)
    {
        using var model = new DoubleWellModel(Device);
        using var opaque = new OpaqueModel(new DoubleWellModel(Device));
        var options = new SampleOptions { WarmupSteps = 40, ReturnTrajectory = true, ReturnDiagnostics = true, Thin = 2, StepSizeAdaptation = StepSizeAdaptation.PerChain };
        foreach (BaseModel m in new BaseModel[] { model, opaque })
        {
            int before = Device.LiveTensors;
            using (ChainResult r = create(m).SampleChain(2, 10, 8, options))
            {
                if (r.Info is not null) _ = r.Info.MeanAcceptance;
            }
            Assert.That(Device.LiveTensors, Is.EqualTo(before), $"{m.GetType().Name}: SampleChain");
            using (Tensor x0 = Device.Randn(8, 2, 1))
            {
                before = Device.LiveTensors;
                create(m).SampleStep(x0, 3).Dispose();
                Assert.That(Device.LiveTensors, Is.EqualTo(before), $"{m.GetType().Name}: SampleStep");
            }
        }
    }

    /// <summary>A user model misbehaving mid-run (in warm-up, in sampling, in Forward): the error surfaces and nothing leaks.</summary>
    [TestCaseSource(nameof(Samplers))]
    public void MisbehavingUserModel_MidRun_ThrowsAndLeaksNothing(Func<BaseModel, Sampler> create)
    {
        foreach ((int failAt, bool forward) in new[] { (1, false), (5, false), (30, false), (3, true) })
        {
            using var inner = new DoubleWellModel(Device);
            using var flaky = new FlakyModel(inner, failAt, forward);
            int before = Device.LiveTensors;
            Sampler sampler = create(flaky);
            if (forward && sampler is LangevinDynamics) continue; // Langevin never calls Forward without diagnostics
            Assert.That(() => sampler.SampleChain(2, 20, 4, new SampleOptions { WarmupSteps = 10 }).Dispose(),
                Throws.InvalidOperationException, $"failAt {failAt} forward {forward}");
            Assert.That(Device.LiveTensors, Is.EqualTo(before), $"failAt {failAt} forward {forward}: leaked");
        }
    }

    // ---------------------------------------------------------------- reproducibility

    [TestCaseSource(nameof(Samplers))]
    public void SameSeed_IsBitIdentical_IncludingInfo_DifferentCallsDiffer(Func<BaseModel, Sampler> create)
    {
        using var model = new DoubleWellModel(Device);
        var options = new SampleOptions { WarmupSteps = 60, ReturnTrajectory = true };
        using ChainResult a = create(model).SampleChain(2, 15, 16, options);
        using ChainResult b = create(model).SampleChain(2, 15, 16, options);
        Assert.That(b.Trajectory!.ToArray(), Is.EqualTo(a.Trajectory!.ToArray()));
        if (a.Info is not null)
        {
            Assert.That(b.Info!.AcceptanceRate.ToArray(), Is.EqualTo(a.Info.AcceptanceRate.ToArray()));
            Assert.That(b.Info.StepSizes.ToArray(), Is.EqualTo(a.Info.StepSizes.ToArray()));
            Assert.That(b.Info.DivergencesPerChain.ToArray(), Is.EqualTo(a.Info.DivergencesPerChain.ToArray()));
            if (a.Info.InverseMass is not null) Assert.That(b.Info.InverseMass!.ToArray(), Is.EqualTo(a.Info.InverseMass.ToArray()));
        }
        Sampler s = create(model);
        using Tensor first = s.Sample(dim: 2, nSteps: 15, nSamples: 16, new SampleOptions { WarmupSteps = 60 });
        using Tensor second = s.Sample(dim: 2, nSteps: 15, nSamples: 16, new SampleOptions { WarmupSteps = 60 });
        Assert.That(second.ToArray(), Is.Not.EqualTo(first.ToArray()));
    }

    /// <summary>Step-by-step equals fused with per-chain adaptation, a step-size schedule and several mass windows.</summary>
    [Test]
    public void StepByStep_EqualsFused_PerChain_Schedule_MassWindows()
    {
        using var model = new DoubleWellModel(Device);
        using var opaque = new OpaqueModel(new DoubleWellModel(Device));
        model.Source.HostSimd = false; // the fused kernel against its own launches; CpuChainsTests check the host twin against it
        var options = new SampleOptions { WarmupSteps = 300, ReturnTrajectory = true, StepSizeAdaptation = StepSizeAdaptation.PerChain };
        foreach (Func<BaseModel, Sampler> create in new Func<BaseModel, Sampler>[]
                 {
                     m => new HamiltonianMonteCarlo(m, new ExponentialDecayScheduler(0.3f, 0.99f), 3, new[] { 1f, 2f }, seed: 2),
                     m => new MetropolisAdjustedLangevin(m, new ExponentialDecayScheduler(0.3f, 0.99f), seed: 2),
                 })
        {
            using ChainResult fused = create(model).SampleChain(2, 12, 6, options);
            using ChainResult stepped = create(opaque).SampleChain(2, 12, 6, options);
            Assert.That(stepped.Trajectory!.ToArray(), Is.EqualTo(fused.Trajectory!.ToArray()));
            Assert.That(stepped.Info!.StepSizes.ToArray(), Is.EqualTo(fused.Info!.StepSizes.ToArray()));
            Assert.That(stepped.Info.AcceptanceRate.ToArray(), Is.EqualTo(fused.Info.AcceptanceRate.ToArray()));
        }
    }

    // ---------------------------------------------------------------- state across launches

    /// <summary>
    /// nSteps = 0 after warm-up: the warm-up end state, the adapted step, no crash; acceptance 0 of 0 transitions (was NaN,
    /// issue 24), so a mean over chains or runs stays a number.
    /// </summary>
    [Test]
    public void ZeroSteps_AfterWarmup_ReturnsWarmupEndState()
    {
        using var model = new DoubleWellModel(Device);
        using ChainResult r = new HamiltonianMonteCarlo(model, 0.5f, 3, seed: 1).SampleChain(2, 0, 8, new SampleOptions { WarmupSteps = 100 });
        Assert.That(r.Samples.ToArray(), Is.All.Matches<float>(float.IsFinite));
        Assert.That(r.Info!.StepSizes.ToArray()[0], Is.Not.EqualTo(0.5f), "adapted");
        Assert.That(r.Info.AcceptanceRate.ToArray(), Is.All.Zero);
        Assert.That(r.Info.MeanAcceptance, Is.Zero);
        Assert.That(r.Info.Transitions, Is.Zero);
        Assert.That(r.Info.Divergences, Is.Zero, "cleared after warm-up");
    }

    /// <summary>MALA without warm-up and nSteps = 0: MeanAcceptance 0 (was NaN), no transition; with steps, Transitions is nSteps.</summary>
    [Test]
    public void ZeroSteps_Mala_MeanAcceptanceIsZero_AndTransitionsCountSteps()
    {
        using var model = new DoubleWellModel(Device);
        var sampler = new MetropolisAdjustedLangevin(model, 0.1f, seed: 2);
        using (ChainResult none = sampler.SampleChain(2, 0, 4))
        {
            Assert.That(none.Info!.MeanAcceptance, Is.Zero);
            Assert.That(none.Info.Transitions, Is.Zero);
        }
        using ChainResult some = sampler.SampleChain(2, 7, 4);
        Assert.That(some.Info!.Transitions, Is.EqualTo(7));
        Assert.That(some.Info.MeanAcceptance, Is.InRange(0f, 1f));
    }

    /// <summary>
    /// Acceptances are integer counts (a float counter would stop growing at 2^24 = 16,777,216 and under-report the
    /// acceptance rate of a longer run).
    /// </summary>
    [Test] // 33M steps of one 1-d chain: ~5 s on the CPU accelerator
    public void AcceptanceRate_OverMoreThan2Pow24Steps_IsNotTruncated()
    {
        using var model = new HarmonicModel(Device);
        const int steps = 1 << 25;
        using ChainResult r = new MetropolisAdjustedLangevin(model, 1e-6f, seed: 1).SampleChain(1, steps, 1);
        // at h = 1e-6 on N(0, 1) practically every proposal is accepted
        Assert.That(r.Info!.MeanAcceptance, Is.GreaterThan(0.99f));
    }

    /// <summary>
    /// Burn-in does not depend on how many steps are sampled after it: every sampler's warm-up runs at the schedule's
    /// first value (Langevin's burn-in once walked a table built for nSteps entries).
    /// </summary>
    [TestCaseSource(nameof(Samplers))]
    public void BurnIn_DoesNotDependOnNSteps_WithAVaryingSchedule(Func<BaseModel, Sampler> create)
    {
        using var model = new DoubleWellModel(Device);
        Sampler probe = create(model);
        Sampler sampler = probe switch
        {
            LangevinDynamics => new LangevinDynamics(model, new ExponentialDecayScheduler(0.1f, 0.8f, 0.001f), seed: 3),
            MetropolisAdjustedLangevin => new MetropolisAdjustedLangevin(model, new ExponentialDecayScheduler(0.3f, 0.8f, 0.01f), seed: 3),
            _ => new HamiltonianMonteCarlo(model, new ExponentialDecayScheduler(0.3f, 0.8f, 0.01f), 3, seed: 3),
        };
        var options = new SampleOptions { WarmupSteps = 20, ReturnTrajectory = true, Seed = 9 };
        using ChainResult shortRun = sampler.SampleChain(2, 2, 8, options);
        using ChainResult longRun = sampler.SampleChain(2, 40, 8, options);
        float[] a = shortRun.Trajectory!.ToArray(), b = longRun.Trajectory!.ToArray();
        Assert.That(b.Take(16).ToArray(), Is.EqualTo(a.Take(16).ToArray()), "first kept state after the same burn-in");
    }

    // ---------------------------------------------------------------- sizes

    /// <summary>
    /// HMC keeps 4 rows of dim floats per chain: with chains * dim = 2^29 + 1 (and 2^30 + 1, where the int product once
    /// wrapped to 4 floats and the first write ran out of range) the run is refused, naming nSamples, before anything is
    /// allocated.
    /// </summary>
    [TestCase(3, 178956971)]
    [TestCase(5, 214748365)]
    public void Hmc_WorkingMemoryBeyond32BitIndices_IsRefusedBeforeAllocating(int chains, int dim)
    {
        using var model = new HarmonicModel(Device);
        var sampler = new HamiltonianMonteCarlo(model, 0.1f, 1, seed: 1);
        long live = Device.LiveTensors;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Sample(dim: dim, nSteps: 1, nSamples: chains))!;
        Assert.That(e.ParamName, Is.EqualTo("nSamples"));
        Assert.That(e.Message, Does.Contain("4 rows").And.Contain("fewer chains"));
        Assert.That(Device.LiveTensors, Is.EqualTo(live));
    }

    // ---------------------------------------------------------------- launches

    /// <summary>
    /// LangevinDynamics' doc: "Any other BaseModel runs one Gradient call and one update launch per step": the shared
    /// step-by-step loop skips the launch of a prepare that does nothing (Langevin's).
    /// </summary>
    [Test]
    public void Langevin_StepByStep_LaunchesPerStep_MatchDoc()
    {
        using var inner = new HarmonicModel(Device);
        using var opaque = new OpaqueModel(inner);
        var sampler = new LangevinDynamics(opaque, 0.05f, seed: 1);
        using Tensor x0 = Device.Randn(8, 2, 1);
        sampler.Sample(dim: 2, nSteps: 1, nSamples: 8, new SampleOptions { InitialSamples = x0 }).Dispose();
        long a = Device.LaunchCount;
        sampler.Sample(dim: 2, nSteps: 1, nSamples: 8, new SampleOptions { InitialSamples = x0 }).Dispose();
        long one = Device.LaunchCount - a;
        a = Device.LaunchCount;
        sampler.Sample(dim: 2, nSteps: 11, nSamples: 8, new SampleOptions { InitialSamples = x0 }).Dispose();
        long eleven = Device.LaunchCount - a;
        // gradient launches per step, measured on the model itself
        a = Device.LaunchCount;
        inner.Gradient(x0).Dispose();
        long gradient = Device.LaunchCount - a;
        Assert.That((eleven - one) / 10.0, Is.EqualTo(gradient + 1), "launches per step: the model's gradient + one update");
    }
}

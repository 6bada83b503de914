using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>MALA and HMC settings and options: bad values are refused before anything runs; the info has the right shapes.</summary>
public sealed class MetropolisInputTests(DeviceKind kind) : DeviceTest(kind)
{
    [Test]
    public void BadConstructorArguments_Throw()
    {
        using var model = new HarmonicModel(Device);
        Assert.That(() => new MetropolisAdjustedLangevin(model, 0f), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("stepSize"));
        Assert.That(() => new MetropolisAdjustedLangevin(model, float.NaN), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => new HamiltonianMonteCarlo(model, -0.1f), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("stepSize"));
        Assert.That(() => new HamiltonianMonteCarlo(model, 0.1f, 0), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("nLeapfrogSteps"));
        Assert.That(() => new HamiltonianMonteCarlo(model, 0.1f, 5, 0f), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("mass"));
        Assert.That(() => new HamiltonianMonteCarlo(model, 0.1f, 5, new[] { 1f, -2f }), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("mass"));
        Assert.That(() => new HamiltonianMonteCarlo(model, 0.1f, 5, new[] { 1f, float.PositiveInfinity }), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => new HamiltonianMonteCarlo(model, 0.1f, 5, (float[])null!), Throws.TypeOf<ArgumentNullException>());
        Assert.That(() => new HamiltonianMonteCarlo(model, 0.1f, 5, stepSizeJitter: 1f), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("stepSizeJitter"));
        Assert.That(() => new HamiltonianMonteCarlo(model, 0.1f, 5, stepSizeJitter: -0.1f), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    private static IEnumerable<TestCaseData> BadOptions()
    {
        yield return new TestCaseData(new SampleOptions { TargetAcceptance = 0f }, typeof(ArgumentOutOfRangeException)).SetArgDisplayNames("target 0");
        yield return new TestCaseData(new SampleOptions { TargetAcceptance = 1f }, typeof(ArgumentOutOfRangeException)).SetArgDisplayNames("target 1");
        yield return new TestCaseData(new SampleOptions { TargetAcceptance = float.NaN }, typeof(ArgumentOutOfRangeException)).SetArgDisplayNames("target NaN");
        yield return new TestCaseData(new SampleOptions { WarmupSteps = -1 }, typeof(ArgumentOutOfRangeException)).SetArgDisplayNames("warm-up -1");
        yield return new TestCaseData(new SampleOptions { WarmupSteps = SampleOptions.MaxWarmupSteps + 1 }, typeof(ArgumentOutOfRangeException)).SetArgDisplayNames("warm-up too long");
        yield return new TestCaseData(new SampleOptions { WarmupSteps = 100, ReturnTrajectory = true, Thin = 20 }, typeof(ArgumentException)).SetArgDisplayNames("trajectory of warm-up only");
        yield return new TestCaseData(new SampleOptions { StepSizeAdaptation = (StepSizeAdaptation)7 }, typeof(ArgumentOutOfRangeException)).SetArgDisplayNames("adaptation 7");
        yield return new TestCaseData(new SampleOptions { WarmupSteps = 10, StepSizeAdaptation = (StepSizeAdaptation)(-1) }, typeof(ArgumentOutOfRangeException)).SetArgDisplayNames("adaptation -1");
    }

    /// <summary>
    /// Refused before any launch: the sampler's next call draws the same noise as a fresh sampler's first (no call
    /// index was consumed) and nothing was compiled.
    /// </summary>
    [TestCaseSource(nameof(BadOptions))]
    public void BadOptions_AreRefusedBeforeAnyLaunch(SampleOptions options, Type exception)
    {
        using var model = new HarmonicModel(Device);
        var sampler = new HamiltonianMonteCarlo(model, 0.1f, 3, seed: 1);
        int compiled = Device.CachedKernelCount;
        Assert.That(() => sampler.SampleChain(2, 10, 4, options), Throws.TypeOf(exception).With.Property("ParamName").Not.Null);
        Assert.That(Device.CachedKernelCount, Is.EqualTo(compiled), "nothing compiled, so nothing launched");
        using Tensor next = sampler.Sample(dim: 2, nSteps: 10, nSamples: 4);
        using Tensor fresh = new HamiltonianMonteCarlo(model, 0.1f, 3, seed: 1).Sample(dim: 2, nSteps: 10, nSamples: 4);
        Assert.That(next.ToArray(), Is.EqualTo(fresh.ToArray()));
    }

    [Test]
    public void MassOfTheWrongLength_IsRefusedWhenTheDimensionIsKnown()
    {
        using var model = new HarmonicModel(Device);
        var sampler = new HamiltonianMonteCarlo(model, 0.1f, 3, new[] { 1f, 2f, 3f });
        var e = Assert.Throws<ArgumentException>(() => sampler.Sample(dim: 2, nSteps: 10, nSamples: 4))!;
        Assert.That(e.ParamName, Is.EqualTo("mass"));
        Assert.That(e.Message, Does.Contain("3 values").And.Contain("dimension 2"));
    }

    [Test]
    public void TargetAcceptance_ForUnadjustedLangevin_IsRefused()
    {
        using var model = new HarmonicModel(Device);
        var e = Assert.Throws<ArgumentException>(() => new LangevinDynamics(model, 0.1f).Sample(dim: 2, nSteps: 10, nSamples: 4, new SampleOptions { TargetAcceptance = 0.5f }))!;
        Assert.That(e.Message, Does.Contain("no Metropolis step"));
    }

    [Test]
    public void Info_HasOneEntryPerChain_AndUnadjustedLangevinHasNone()
    {
        using var model = new GaussianModel(Device, [0f, 0f], new float[,] { { 1, 0 }, { 0, 1 } });
        using ChainResult langevin = new LangevinDynamics(model, 0.1f).SampleChain(2, 5, 8);
        Assert.That(langevin.Info, Is.Null);

        using ChainResult shared = new MetropolisAdjustedLangevin(model, 0.5f).SampleChain(2, 40, 8,
            new SampleOptions { WarmupSteps = 50, StepSizeAdaptation = StepSizeAdaptation.Shared });
        Assert.That(shared.Info!.AcceptanceRate.Shape, Is.EqualTo(new[] { 8 }));
        Assert.That(shared.Info.AcceptanceRate.ToArray(), Is.All.InRange(0f, 1f));
        Assert.That(shared.Info.StepSizes.Shape, Is.EqualTo(new[] { 1 }));
        Assert.That(shared.Info.InverseMass, Is.Null);

        using ChainResult perChain = new HamiltonianMonteCarlo(model, 0.5f, 3).SampleChain(2, 40, 8,
            new SampleOptions { WarmupSteps = 50, StepSizeAdaptation = StepSizeAdaptation.PerChain });
        Assert.That(perChain.Info!.StepSizes.Shape, Is.EqualTo(new[] { 8 }));
        Assert.That(perChain.Info.StepSizes.ToArray(), Is.All.GreaterThan(0f));
        Assert.That(perChain.Info.InverseMass!.Shape, Is.EqualTo(new[] { 2 }));
    }

    /// <summary>Without warm-up the reported step size is the schedule's value at the last step.</summary>
    [Test]
    public void Info_StepSize_FollowsTheSchedule()
    {
        using var model = new HarmonicModel(Device);
        var schedule = new TorchEbm.Schedulers.LinearScheduler(0.2f, 0.1f, 10);
        using ChainResult result = new MetropolisAdjustedLangevin(model, schedule).SampleChain(2, 5, 4);
        Assert.That(result.Info!.StepSizes.ToArray()[0], Is.EqualTo(schedule.Values(4, 1)[0]).Within(1e-7f));
    }

    /// <summary>A mass so small that its inverse overflows to infinity would make every transition diverge.</summary>
    [TestCase(1e-40f)]
    [TestCase(float.Epsilon)]
    public void HmcMassWhoseInverseIsNotFinite_Throws(float tiny)
    {
        using var model = new HarmonicModel(Device);
        Assert.That(() => new HamiltonianMonteCarlo(model, 0.1f, 10, mass: tiny),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("mass").And.Message.Contain("inverse"));
        Assert.That(() => new HamiltonianMonteCarlo(model, 0.1f, 10, mass: new[] { 1f, tiny }),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("mass"));
        Assert.That(new HamiltonianMonteCarlo(model, 0.1f, 10, mass: 1e-38f).Mass.Values[0], Is.EqualTo(1e-38f), "a normal float's inverse is finite");
    }

    /// <summary>
    /// Per-chain adaptation for more chains than 32-bit indices allow is refused before the per-chain step sizes are
    /// allocated (500M chains: 2 GB). The peak resident memory (Linux: reset through /proc/self/clear_refs) shows it.
    /// </summary>
    [Test]
    public void PerChainAdaptation_TooManyChains_IsRefusedBeforeAllocating()
    {
        if (Device.Kind != DeviceKind.Cpu) Assert.Ignore("host memory shows CPU-accelerator allocations only");
        if (!TryResetPeakMemory()) Assert.Ignore("the peak resident memory cannot be reset here (/proc/self/clear_refs)");
        using var model = new HarmonicModel(Device);
        var sampler = new HamiltonianMonteCarlo(model, 0.1f, 3);
        var options = new SampleOptions { WarmupSteps = 1, StepSizeAdaptation = StepSizeAdaptation.PerChain };
        long before = PeakResidentBytes();
        Assert.That(() => sampler.Sample(dim: 1, nSteps: 1, nSamples: 500_000_000, options), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("nSamples"));
        Assert.That(PeakResidentBytes() - before, Is.LessThan(256L << 20), "peak resident memory grew by this many bytes");
    }

    private static bool TryResetPeakMemory()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return PeakResidentBytes() > 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>VmHWM of this process in bytes (0 if not reported).</summary>
    private static long PeakResidentBytes()
    {
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}

using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Schedulers;

namespace TorchEbm.Tests.Samplers;

/// <summary>Every schedule against its closed form, and argument checks.</summary>
public sealed class SchedulerTests
{
    [Test]
    public void Constant_AndFloatConversion()
    {
        Scheduler s = 0.25f;
        Assert.That(s, Is.InstanceOf<ConstantScheduler>());
        Assert.That(s.Values(0, 3), Is.EqualTo(new[] { 0.25f, 0.25f, 0.25f }));
        Assert.That(s.ValueAt(1_000_000), Is.EqualTo(0.25f));
    }

    [Test]
    public void ExponentialDecay_DecaysToItsFloor()
    {
        var s = new ExponentialDecayScheduler(1f, 0.5f, minValue: 0.1f);
        Assert.That(s.Values(0, 6), Is.EqualTo(new[] { 1f, 0.5f, 0.25f, 0.125f, 0.1f, 0.1f }));
    }

    [Test]
    public void Linear_RampsThenHolds()
    {
        var s = new LinearScheduler(1f, 0f, 4);
        Assert.That(s.Values(0, 6), Is.EqualTo(new[] { 1f, 0.75f, 0.5f, 0.25f, 0f, 0f }));
    }

    [Test]
    public void Cosine_FollowsHalfCosineThenHolds()
    {
        var s = new CosineScheduler(2f, 1f, 4);
        float[] expected = [.. Enumerable.Range(0, 6).Select(t => (float)(1 + 0.5 * (1 + Math.Cos(Math.PI * Math.Min(t, 4) / 4))))];
        Assert.That(s.Values(0, 6), Is.EqualTo(expected));
        Assert.That(s.ValueAt(2), Is.EqualTo(1.5f).Within(1e-7f));
    }

    [Test]
    public void MultiStep_DropsAtEachMilestone()
    {
        var s = new MultiStepScheduler(1f, [2, 4], gamma: 0.5f);
        Assert.That(s.Values(0, 6), Is.EqualTo(new[] { 1f, 1f, 0.5f, 0.5f, 0.25f, 0.25f }));
    }

    [Test]
    public void Warmup_RampsToTheMainScheduleThenHandsOver()
    {
        var s = new WarmupScheduler(new LinearScheduler(1f, 0f, 2), warmupSteps: 4, warmupInitFactor: 0.2f);
        Assert.That(s.Values(0, 8), Is.EqualTo(new[] { 0.2f, 0.4f, 0.6f, 0.8f, 1f, 0.5f, 0f, 0f }).Within(1e-6f));
        Assert.That(s.Values(5, 2), Is.EqualTo(new[] { 0.5f, 0f }));
    }

    [Test]
    public void BadArguments_AreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantScheduler(float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialDecayScheduler(1f, 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialDecayScheduler(1f, 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearScheduler(1f, 0f, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineScheduler(float.PositiveInfinity, 0f, 3));
        Assert.That(Assert.Throws<ArgumentException>(() => new MultiStepScheduler(1f, [3, 3]))!.ParamName, Is.EqualTo("milestones"));
        Assert.Throws<ArgumentException>(() => new MultiStepScheduler(1f, [0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupScheduler(1f, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupScheduler(1f, 3, 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantScheduler(1f).ValueAt(-1));
    }

    [TestCase(float.NaN, 0.1f, "stepSize")]
    [TestCase(float.PositiveInfinity, 0.1f, "stepSize")]
    [TestCase(0.01f, float.NaN, "noiseScale")]
    [TestCase(0.01f, float.NegativeInfinity, "noiseScale")]
    public void FloatArgumentOfASampler_OutOfRange_NamesTheSamplersParameter(float stepSize, float noiseScale, string name)
    {
        using Device device = Device.Create(DeviceKind.Cpu);
        using var model = new HarmonicModel(device);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new LangevinDynamics(model, stepSize, noiseScale))!;
        Assert.That(e.ParamName, Is.EqualTo(name));
        Assert.That(e.Message, Does.StartWith(name));
    }
}

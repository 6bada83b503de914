using TorchEbm.Autodiff;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Resources;

/// <summary>A constructor or run that throws part way frees the tensors it had already allocated.</summary>
[NonParallelizable] // counts the device's live tensors
public sealed class FailedAllocationTests(DeviceKind kind) : DeviceTest(kind)
{
    [Test]
    public void Mlp_WithALayerTooLarge_FreesTheLayersBuiltBeforeIt()
    {
        int before = Device.LiveTensors;
        // Layers 2-8 and 8-100000 are allocated before 100000 x 100000 (1e10 elements) is rejected.
        Assert.Throws<ArgumentException>(() => new MLP(Device, 2, [8, 100_000, 100_000], 1).Dispose());
        Assert.That(Device.LiveTensors, Is.EqualTo(before));
    }

    [Test]
    public void Langevin_WithATrajectoryTooLarge_FreesTheStates()
    {
        using var model = new HarmonicModel(Device);
        var sampler = new LangevinDynamics(model, 0.01f, seed: 1);
        int before = Device.LiveTensors;
        // 1000 kept steps x 100000 chains x 30 dims = 3e9 floats: the trajectory cannot be allocated.
        Assert.Throws<ArgumentException>(() => sampler.SampleChain(30, 1000, 100_000, new SampleOptions { ReturnTrajectory = true }).Dispose());
        Assert.That(Device.LiveTensors, Is.EqualTo(before));
    }

    [Test]
    public void LiveTensors_CountsAllocationsAndDisposals()
    {
        int before = Device.LiveTensors;
        Tensor a = Device.Zeros(3), b = Device.Zeros(2, 2);
        Assert.That(Device.LiveTensors, Is.EqualTo(before + 2));
        a.Dispose();
        a.Dispose();
        Assert.That(Device.LiveTensors, Is.EqualTo(before + 1));
        b.Dispose();
        Assert.That(Device.LiveTensors, Is.EqualTo(before));
    }
}

using ILGPU;
using TorchEbm.Fill;

namespace TorchEbm.Tests.Kernels;

/// <summary>The host span behind a CPU-accelerator view: the same memory, at the view's offset, finished after a launch.</summary>
public sealed class HostMemoryTests
{
    [Test]
    public void Of_SubView_IsTheSameMemoryAtItsOffset()
    {
        using Device device = Device.Create(DeviceKind.Cpu);
        using Tensor t = device.FromArray([0f, 1f, 2f, 3f, 4f, 5f], 6);
        Span<float> span = HostMemory.Of(t.View.SubView(2, 3));
        Assert.That(span.ToArray(), Is.EqualTo(new[] { 2f, 3f, 4f }));
        span[0] = -1f;
        Assert.That(t.ToArray(), Is.EqualTo(new[] { 0f, 1f, -1f, 3f, 4f, 5f }));
    }

    [Test]
    public void Of_RightAfterALaunch_SeesTheKernelsOutput()
    {
        using Device device = Device.Create(DeviceKind.Cpu);
        using Tensor t = device.Zeros(1 << 20);
        device.Launch(FillKernels.Constant, t.Length, t.View, 3f);
        Assert.That(HostMemory.Of(t.View).ToArray(), Is.All.EqualTo(3f));
    }
}

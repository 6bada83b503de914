using TorchEbm.Kernels.Optim;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Kernels;

/// <summary>
/// The Adam update <see cref="AdamStep"/> runs on the CPU against <see cref="OptimizerKernels.Adam"/> on the same
/// accelerator: bit for bit (the same float operations in the same order, an exact square root in both), over three
/// steps so the moments carry over, on lengths around the 8-float vector edges.
/// </summary>
public sealed class AdamStepTests(DeviceKind kind) : DeviceTest(kind)
{
    [Test]
    public void HostStep_IsBitIdenticalToTheKernel([Values(1, 7, 8, 9, 33, 1003)] int n, [Values(0f, 0.01f)] float weightDecay)
    {
        Assume.That(Device.Kind == DeviceKind.Cpu, "the host step runs on the CPU accelerator only");
        var random = new Random(n);
        float[] Values() => Enumerable.Range(0, n).Select(_ => 2f * (random.NextSingle() - 0.5f)).ToArray();
        float[] p0 = Values();
        using Tensor hostP = Device.FromArray(p0, n), kernelP = Device.FromArray(p0, n);
        using Tensor hostM = Device.Zeros(n), kernelM = Device.Zeros(n), hostV = Device.Zeros(n), kernelV = Device.Zeros(n);
        for (int t = 1; t <= 3; t++)
        {
            using Tensor g = Device.FromArray(Values(), n);
            var settings = new AdamSettings(1e-3f, 0.9f, 0.999f, 1e-8f, weightDecay,
                (float)(1 - Math.Pow(0.9, t)), (float)Math.Sqrt(1 - Math.Pow(0.999, t)));
            AdamStep.Apply(hostP, g, hostM, hostV, settings);
            Device.Launch(OptimizerKernels.Adam, n, kernelP.View, g.View, kernelM.View, kernelV.View, settings);
        }
        static int[] Bits(Tensor x) => x.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
        Assert.That(Bits(hostP), Is.EqualTo(Bits(kernelP)), "parameter");
        Assert.That(Bits(hostM), Is.EqualTo(Bits(kernelM)), "first moment");
        Assert.That(Bits(hostV), Is.EqualTo(Bits(kernelV)), "second moment");
    }
}

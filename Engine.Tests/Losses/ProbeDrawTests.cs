using TorchEbm.Kernels.Losses;
using TorchEbm.Kernels.Random;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Losses;

/// <summary>
/// On the CPU accelerator the score-matching and matching losses draw their probes with <see cref="ProbeDraw"/>: the
/// <see cref="ProbeKernels.Fill"/> kernel's per-row body (<see cref="ProbeKernels.FillRow"/>) in a host loop instead of a
/// launch. It must write the kernel's bits for every kind of draw, at dimensions that fill whole Philox blocks and ones
/// that end in a partial block.
/// </summary>
public sealed class ProbeDrawTests(DeviceKind kind) : DeviceTest(kind)
{
    private const int Rows = 37;

    public static IEnumerable<TestCaseData> Draws() =>
        from kind in new[] { ProbeKernels.Gaussian, ProbeKernels.Rademacher, ProbeKernels.Sphere, ProbeKernels.Uniform }
        from d in new[] { 1, 3, 4, 7 }
        select new TestCaseData(kind, d).SetArgDisplayNames($"kind {kind}", $"d {d}");

    [TestCaseSource(nameof(Draws))]
    public void HostLoop_EqualsTheKernel_BitForBit(int kind, int d)
    {
        if (Device.Kind != DeviceKind.Cpu) Assert.Ignore("The host loop runs on CPU-accelerator memory only.");
        var rng = Philox4x32.FromSeed(0x1234_5678_9ABCL);
        const uint call = 5;
        using Tensor launched = Device.Full(float.NaN, Rows, d), looped = Device.Full(float.NaN, Rows, d);
        Device.Launch(ProbeKernels.Fill, Rows, launched.View, d, rng, call, kind);
        ProbeDraw.Fill(Device, looped.View, d, rng, call, kind);
        float[] expected = launched.ToArray(), actual = looped.ToArray();
        Assert.That(expected, Has.None.NaN, "the kernel wrote every entry");
        Assert.That(expected.Distinct().Count(), Is.GreaterThan(1), "the draw varies");
        Assert.That(Array.ConvertAll(actual, BitConverter.SingleToInt32Bits), Is.EqualTo(Array.ConvertAll(expected, BitConverter.SingleToInt32Bits)));
    }

    /// <summary>Rows are drawn from (row, call) alone: another call draws other values, the same call the same.</summary>
    [Test]
    public void HostLoop_DependsOnTheCall()
    {
        if (Device.Kind != DeviceKind.Cpu) Assert.Ignore("The host loop runs on CPU-accelerator memory only.");
        var rng = Philox4x32.FromSeed(3);
        using Tensor a = Device.Allocate([Rows, 2]), b = Device.Allocate([Rows, 2]), c = Device.Allocate([Rows, 2]);
        ProbeDraw.Fill(Device, a.View, 2, rng, 0, ProbeKernels.Gaussian);
        ProbeDraw.Fill(Device, b.View, 2, rng, 1, ProbeKernels.Gaussian);
        ProbeDraw.Fill(Device, c.View, 2, rng, 0, ProbeKernels.Gaussian);
        Assert.That(b.ToArray(), Is.Not.EqualTo(a.ToArray()));
        Assert.That(c.ToArray(), Is.EqualTo(a.ToArray()));
    }
}

using TorchEbm.Datasets;
using TorchEbm.Diagnostics;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Losses;

/// <summary>The unbiased MMD^2 against a float64 host computation, and its behaviour on equal and different laws.</summary>
public sealed class MmdTests(DeviceKind kind) : DeviceTest(kind)
{
    [Test]
    public void Unbiased_MatchesFloat64Reference()
    {
        using Tensor x = Device.Randn(60, 3, seed: 1), y = Device.Randn(45, 3, seed: 2);
        float[] a = x.ToArray(), b = y.ToArray();
        const double s = 1.3;
        double K(float[] p, int i, float[] q, int j)
        {
            double d2 = 0;
            for (int c = 0; c < 3; c++) d2 += Math.Pow(p[i * 3 + c] - q[j * 3 + c], 2);
            return Math.Exp(-d2 / (2 * s * s));
        }
        double xx = 0, yy = 0, xy = 0;
        for (int i = 0; i < 60; i++) for (int j = 0; j < 60; j++) if (i != j) xx += K(a, i, a, j);
        for (int i = 0; i < 45; i++) for (int j = 0; j < 45; j++) if (i != j) yy += K(b, i, b, j);
        for (int i = 0; i < 60; i++) for (int j = 0; j < 45; j++) xy += K(a, i, b, j);
        double expected = xx / (60 * 59) + yy / (45 * 44) - 2 * xy / (60 * 45);
        Assert.That(Mmd.Unbiased(x, y, bandwidth: 1.3f), Is.EqualTo(expected).Within(1e-5));
    }

    [Test]
    public void MedianBandwidth_IsTheMedianPairwiseDistance()
    {
        using Tensor x = Device.FromArray([0f, 0f, 3f, 0f], 2, 2), y = Device.FromArray([0f, 4f, 10f, 0f], 2, 2);
        // distances: 3, 4, 10, 5, 7, sqrt(116): median of six (upper middle) = 7.
        Assert.That(Mmd.MedianBandwidth(x, y), Is.EqualTo(7f).Within(1e-6f));
    }

    [Test]
    public void SameLaw_GivesNearZero_DifferentLaws_GiveClearlyPositive()
    {
        using Tensor a = SyntheticDatasets.TwoMoons(Device, 800, seed: 1), b = SyntheticDatasets.TwoMoons(Device, 800, seed: 2);
        using Tensor c = SyntheticDatasets.Circle(Device, 800, seed: 3);
        float same = Mmd.Unbiased(a, b), different = Mmd.Unbiased(a, c);
        TestContext.Out.WriteLine($"MMD^2 same {same:E3}, different {different:E3}");
        Assert.That(Math.Abs(same), Is.LessThan(0.1 * different));
        Assert.That(different, Is.GreaterThan(0.05f));
    }

    [Test]
    public void MismatchedShapes_AreRejected()
    {
        using Tensor x = Device.Zeros(5, 2), y = Device.Zeros(5, 3), one = Device.Zeros(1, 2);
        Assert.That(Assert.Throws<ArgumentException>(() => Mmd.Unbiased(x, y))!.Message, Does.Contain("(5, 2)").And.Contain("(5, 3)"));
        Assert.Throws<ArgumentException>(() => Mmd.Unbiased(x, one));
    }
}

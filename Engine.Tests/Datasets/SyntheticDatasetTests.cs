using TorchEbm.Datasets;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Datasets;

/// <summary>Every data set: shape, reproducibility, and the geometry its parameters promise.</summary>
public sealed class SyntheticDatasetTests(DeviceKind kind) : DeviceTest(kind)
{
    public static IEnumerable<string> Names => SyntheticDatasets.Names;

    [TestCaseSource(nameof(Names))]
    public void EveryDataset_IsSeededFiniteAndTwoDimensional(string name)
    {
        using Tensor a = SyntheticDatasets.Create(name, Device, 1000, seed: 3);
        using Tensor b = SyntheticDatasets.Create(name, Device, 1000, seed: 3);
        using Tensor c = SyntheticDatasets.Create(name, Device, 1000, seed: 4);
        using Tensor prefix = SyntheticDatasets.Create(name, Device, 10, seed: 3);
        Assert.That(a.Shape, Is.EqualTo(new[] { 1000, 2 }));
        float[] values = a.ToArray();
        Assert.That(values, Is.All.Matches<float>(float.IsFinite));
        Assert.That(b.ToArray(), Is.EqualTo(values));
        Assert.That(c.ToArray(), Is.Not.EqualTo(values));
        Assert.That(prefix.ToArray(), Is.EqualTo(values[..20]), "point i depends only on the seed and i");
    }

    [Test]
    public void EightGaussians_SitAtTheirCentres_InEqualShares()
    {
        const int n = 16000;
        using Tensor t = SyntheticDatasets.EightGaussians(Device, n, seed: 1);
        float[] v = t.ToArray();
        var counts = new int[8];
        for (int i = 0; i < n; i++)
        {
            double x = v[2 * i], y = v[2 * i + 1];
            int k = (int)Math.Round(Math.Atan2(y, x) / (Math.PI / 4) + 8) % 8;
            double dx = x - 2 * Math.Cos(k * Math.PI / 4), dy = y - 2 * Math.Sin(k * Math.PI / 4);
            Assert.That(Math.Sqrt(dx * dx + dy * dy), Is.LessThan(0.02 * 6), $"point {i} is far from every centre");
            counts[k]++;
        }
        // Each count is Binomial(n, 1/8): within 4 standard deviations of n/8.
        double sd = Math.Sqrt(n * (1.0 / 8) * (7.0 / 8));
        Assert.That(counts, Is.All.InRange(n / 8.0 - 4 * sd, n / 8.0 + 4 * sd));
    }

    [Test]
    public void Circle_HasTheRightRadius_AndCheckerboardAvoidsLightSquares()
    {
        using Tensor circle = SyntheticDatasets.Circle(Device, 5000, seed: 2);
        float[] c = circle.ToArray();
        double meanRadius = Enumerable.Range(0, 5000).Average(i => Math.Sqrt(c[2 * i] * c[2 * i] + c[2 * i + 1] * c[2 * i + 1]));
        Assert.That(meanRadius, Is.EqualTo(1).Within(0.01));

        using Tensor board = SyntheticDatasets.Checkerboard(Device, 5000, seed: 2, noise: 0f);
        float[] b = board.ToArray();
        for (int i = 0; i < 5000; i++)
        {
            int column = (int)Math.Floor(b[2 * i] + 2), row = (int)Math.Floor(b[2 * i + 1] + 2);
            Assert.That(column, Is.InRange(0, 3));
            Assert.That((column + row) % 2, Is.EqualTo(0), $"point {i} on a light square");
        }
    }

    [Test]
    public void BadArguments_AreRejected()
    {
        Assert.That(Assert.Throws<ArgumentException>(() => SyntheticDatasets.Create("spiral", Device, 10, 0))!.Message, Does.Contain("two-moons"));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticDatasets.TwoMoons(Device, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticDatasets.Circle(Device, 10, 0, noise: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticDatasets.GaussianMixture(Device, 10, 0, components: 0));
    }
}

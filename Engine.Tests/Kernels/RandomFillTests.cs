using TorchEbm.Kernels.Random;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Kernels;

/// <summary>Device.Randn / Device.Rand: distribution, reproducibility and the documented counter layout.</summary>
public sealed class RandomFillTests(DeviceKind kind) : DeviceTest(kind)
{
    private const int Million = 1_000_000;

    [Test]
    public void Randn_MillionSamples_HaveStandardNormalMeanVarianceAndShape()
    {
        using Tensor t = Device.Randn(1000, 1000, seed: 20261129);
        float[] x = t.ToArray();
        int n = x.Length;

        // Mean: z = mean / (1 / sqrt(n)); variance: z = (s^2 - 1) / sqrt(2 / (n - 1)) for a normal sample.
        double meanZ = Statistics.Mean(x) * Math.Sqrt(n);
        double varianceZ = (Statistics.Variance(x) - 1) / Math.Sqrt(2.0 / (n - 1));
        double ks = Statistics.KsStatistic(x, Statistics.StandardNormalCdf);

        Assert.Multiple(() =>
        {
            Assert.That(Math.Abs(meanZ), Is.LessThan(Statistics.ZCritical01), "mean z-score");
            Assert.That(Math.Abs(varianceZ), Is.LessThan(Statistics.ZCritical01), "variance z-score");
            Assert.That(ks, Is.LessThan(Statistics.KsCritical01), "sqrt(n) * KS distance to N(0, 1)");
            Assert.That(x.All(float.IsFinite), "all finite");
        });
    }

    [Test]
    public void Randn_SameSeed_IsBitIdentical_DifferentSeedDiffers()
    {
        using Tensor a = Device.Randn(1000, 1000, seed: 7);
        using Tensor b = Device.Randn(1000, 1000, seed: 7);
        using Tensor c = Device.Randn(1000, 1000, seed: 8);
        float[] x = a.ToArray(), y = b.ToArray(), z = c.ToArray();

        Assert.That(BitsOf(y), Is.EqualTo(BitsOf(x)));
        int equal = x.Zip(z).Count(p => p.First == p.Second);
        Assert.That(equal, Is.LessThan(10), "different seeds should share almost no values");
    }

    [Test]
    public void Randn_EqualsHostPhiloxReference_ForEveryElement([Values(1, 2, 3, 4, 5, 31, 33, 1027)] int length)
    {
        const long seed = 0x0123_4567_89ab_cdefL;
        using Tensor t = Device.Randn([length], seed);
        float[] device = t.ToArray();

        var rng = Philox4x32.FromSeed(seed);
        var host = new float[length];
        for (int i = 0; i < length; i++)
        {
            Float4 block = rng.Normal4((uint)(i / 4), 0, 2, 0);
            host[i] = (i % 4) switch { 0 => block.X, 1 => block.Y, 2 => block.Z, _ => block.W };
        }
        Assert.That(BitsOf(device), Is.EqualTo(BitsOf(host)));
    }

    [Test]
    public void Rand_MillionSamples_AreUniformInOpenUnitInterval()
    {
        using Tensor t = Device.Rand([Million], seed: 3);
        float[] u = t.ToArray();

        Assert.That(u.Min(), Is.GreaterThan(0f));
        Assert.That(u.Max(), Is.LessThan(1f));
        double ks = Statistics.KsStatistic(u, v => Math.Clamp(v, 0, 1));
        Assert.That(ks, Is.LessThan(Statistics.KsCritical01), "sqrt(n) * KS distance to U(0, 1)");
    }

    [Test]
    public void Rand_EqualsHostPhiloxReference_OnStreamOne()
    {
        using Tensor u = Device.Rand(3, 5, seed: 11);
        var rng = Philox4x32.FromSeed(11);
        float[] host = Enumerable.Range(0, 15).Select(i =>
        {
            Float4 b = rng.Uniform4((uint)(i / 4), 0, 1, 0);
            return (i % 4) switch { 0 => b.X, 1 => b.Y, 2 => b.Z, _ => b.W };
        }).ToArray();
        Assert.That(BitsOf(u.ToArray()), Is.EqualTo(BitsOf(host)));
    }

    [Test]
    public void RandAndRandn_WithOneSeed_DoNotShareBits()
    {
        // Were both fills on one Philox stream, Randn would be Box-Muller of Rand's uniforms.
        using Tensor u = Device.Rand([1024], seed: 11);
        using Tensor z = Device.Randn([1024], seed: 11);
        float[] uniforms = u.ToArray(), normals = z.ToArray();
        int shared = 0;
        for (int i = 0; i < uniforms.Length; i += 2)
        {
            Philox4x32.BoxMuller(uniforms[i], uniforms[i + 1], out float z0, out _);
            if (z0 == normals[i]) shared++;
        }
        Assert.That(shared, Is.Zero);
    }

    private static int[] BitsOf(float[] x) => x.Select(BitConverter.SingleToInt32Bits).ToArray();
}

using System.Runtime.Intrinsics;
using TorchEbm.Numerics;
using TorchEbm.Reductions;

namespace TorchEbm.Tests.Kernels;

/// <summary>
/// <see cref="Sums.Of{T, TTerms}"/>, the one in-order sum of the reduction kernels, their host twins and the traced
/// interpreter: it adds in index order from +0 (checked on terms whose float sum depends on the order, worked out by hand),
/// and over <see cref="Real8"/> each lane equals the sum over <see cref="Real"/> of that lane's terms bit for bit.
/// </summary>
public sealed class SumsTests
{
    private readonly struct Floats(float[] values) : ITerms<Real>
    {
        public Real this[int k] => values[k];
    }

    private readonly struct Lanes(Vector256<float>[] values) : ITerms<Real8>
    {
        public Real8 this[int k] => values[k];
    }

    private static float Sum(params float[] terms) => Sums.Of<Real, Floats>(new Floats(terms), terms.Length);

    [Test]
    public void AddsInIndexOrder_FromPositiveZero()
    {
        // In order: 1e8 + 1 rounds to 1e8 (float32's spacing there is 8), minus 1e8 is 0, plus 0.5 is 0.5. Backwards the
        // 1 survives: 0.5 - 1e8 = -1e8, + 1 = -1e8 (rounded), + 1e8 = 0. Exact in float32 either way, so only the order decides.
        Assert.That(Sum(1e8f, 1f, -1e8f, 0.5f), Is.EqualTo(0.5f));
        Assert.That(Sum(0.5f, -1e8f, 1f, 1e8f), Is.EqualTo(0f));
        // Starting from +0: a sum of negative zeros is +0, and an empty sum is +0.
        Assert.That(BitConverter.SingleToInt32Bits(Sum(-0f, -0f)), Is.EqualTo(0));
        Assert.That(BitConverter.SingleToInt32Bits(Sum()), Is.EqualTo(0));
        Assert.That(Sums.Of<Real, Floats>(new Floats([1f, 2f, 4f]), count: 2).Value, Is.EqualTo(3f), "only the first count terms");
    }

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(256)]
    public void EightLanes_EqualOneLaneAtATime_BitForBit(int count)
    {
        var random = new Random(count);
        // Magnitudes spread over 2^-10 .. 2^10 so rounding happens; infinities and NaN in some lanes.
        float[][] lanes = [.. Enumerable.Range(0, 8).Select(l => Enumerable.Range(0, count)
            .Select(k => l == 6 && k == count / 2 ? float.PositiveInfinity : l == 7 && k == 0 ? float.NaN
                : (random.NextSingle() - 0.5f) * MathF.Pow(2f, random.Next(-10, 11))).ToArray())];
        Vector256<float>[] vectors = [.. Enumerable.Range(0, count).Select(k => Vector256.Create([.. lanes.Select(lane => lane[k])]))];
        Vector256<float> eight = Sums.Of<Real8, Lanes>(new Lanes(vectors), count);
        for (int l = 0; l < 8; l++)
            Assert.That(BitConverter.SingleToInt32Bits(eight.GetElement(l)),
                Is.EqualTo(BitConverter.SingleToInt32Bits(Sums.Of<Real, Floats>(new Floats(lanes[l]), count))), $"lane {l}");
    }
}

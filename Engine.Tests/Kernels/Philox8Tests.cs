using System.Runtime.Intrinsics;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Tests.Kernels;

/// <summary>
/// The eight-lane Philox against the scalar generator: words and uniforms bit for bit in every lane, normals within
/// the rounding of the two implementations' transcendentals, including the extreme uniform cells.
/// </summary>
public sealed class Philox8Tests
{
    /// <summary>
    /// Bound on |z_vector - z_scalar| relative to the radius r = sqrt(-2 ln u1) of the pair, in units of 2^-23.
    /// Each implementation's log, sin and cos is within 2 ulps: the logs differ by at most 4 ulps relative, halved by
    /// the square root, plus each sqrt's half-ulp rounding: 3 * 2^-23 r. sin/cos differ by at most 4 ulps of a value
    /// below 1, 2 * 2^-23 absolute, times r. The products' roundings add one ulp of |z| &lt;= r: 1 * 2^-23 r. Sum: 6.
    /// </summary>
    internal const float NormalUlpsOfRadius = 6f;

    private static readonly Philox4x32[] Keys = [new(0, 0), Philox4x32.FromSeed(20261129), new(uint.MaxValue, uint.MaxValue), new(0xa4093822, 0x299f31d0)];

    private static Vector256<uint> Lanes(Func<int, uint> lane) => Vector256.Create(Enumerable.Range(0, 8).Select(lane).ToArray());

    [Test]
    public void Block_EveryLane_IsBitIdenticalToScalarBlock()
    {
        var random = new System.Random(7);
        uint Next() => (uint)random.NextInt64(0, 1L << 32);
        foreach (Philox4x32 rng in Keys)
        for (int round = 0; round < 2000; round++)
        {
            // Random words, with every lane's words taken to the edges now and then.
            uint[][] c = [.. Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, 8).Select(l => round % 5 == 0 ? (l % 2 == 0 ? uint.MaxValue : 0u) : Next()).ToArray())];
            Philox8.Block(rng, Vector256.Create(c[0]), Vector256.Create(c[1]), Vector256.Create(c[2]), Vector256.Create(c[3]),
                out Vector256<uint> r0, out Vector256<uint> r1, out Vector256<uint> r2, out Vector256<uint> r3);
            for (int l = 0; l < 8; l++)
            {
                UInt4 expected = rng.Block(c[0][l], c[1][l], c[2][l], c[3][l]);
                Assert.That((r0[l], r1[l], r2[l], r3[l]), Is.EqualTo((expected.X, expected.Y, expected.Z, expected.W)), $"round {round}, lane {l}");
            }
        }
    }

    [Test]
    public void Block_MatchesKnownAnswers_InEveryLane()
    {
        // Random123 kat_vectors (as PhiloxTests), each in all eight lanes.
        var rng = new Philox4x32(0xa4093822, 0x299f31d0);
        Philox8.Block(rng, Vector256.Create(0x243f6a88u), Vector256.Create(0x85a308d3u), Vector256.Create(0x13198a2eu), Vector256.Create(0x03707344u),
            out Vector256<uint> r0, out Vector256<uint> r1, out Vector256<uint> r2, out Vector256<uint> r3);
        Assert.That((r0, r1, r2, r3), Is.EqualTo((Vector256.Create(0xd16cfe09u), Vector256.Create(0x94fdccebu), Vector256.Create(0x5001e420u), Vector256.Create(0x24126ea1u))));
    }

    [Test]
    public void MultiplyWide_AndItsPortableFallback_GiveThe64BitProduct()
    {
        var random = new System.Random(3);
        foreach (uint m in new[] { 0xD2511F53u, 0xCD9E8D57u, uint.MaxValue, 1u })
        for (int round = 0; round < 500; round++)
        {
            uint[] a = [.. Enumerable.Range(0, 8).Select(l => round == 0 ? (l % 2 == 0 ? uint.MaxValue : 0u) : (uint)random.NextInt64(0, 1L << 32))];
            Philox8.MultiplyWide(Vector256.Create(a), m, out Vector256<uint> hi, out Vector256<uint> lo);
            Philox8.MultiplyWidePortable(Vector256.Create(a), m, out Vector256<uint> hiPortable, out Vector256<uint> loPortable);
            for (int l = 0; l < 8; l++)
            {
                ulong product = (ulong)a[l] * m;
                Assert.That((hi[l], lo[l]), Is.EqualTo(((uint)(product >> 32), (uint)product)), $"{a[l]:x8} * {m:x8}");
                Assert.That((hiPortable[l], loPortable[l]), Is.EqualTo(((uint)(product >> 32), (uint)product)), $"portable {a[l]:x8} * {m:x8}");
            }
        }
    }

    /// <summary>Every one of the 2^23 uniform cells, bit for bit (bits 0..8 are dropped; 0x1ff tests they are).</summary>
    [Test]
    public void ToUniform_EveryCell_IsBitIdenticalToScalar()
    {
        for (uint cell = 0; cell < 1u << 23; cell += 8)
        {
            Vector256<uint> bits = Lanes(l => ((cell + (uint)l) << 9) | (uint)(l * 0x3f));
            Vector256<float> u = Philox8.ToUniform(bits);
            for (int l = 0; l < 8; l++)
                if (BitConverter.SingleToUInt32Bits(u[l]) != BitConverter.SingleToUInt32Bits(Philox4x32.ToUniform(bits[l])))
                    Assert.Fail($"cell {cell + l}: {u[l]} against {Philox4x32.ToUniform(bits[l])}");
        }
    }

    private static IEnumerable<TestCaseData> UniformCells()
    {
        // The extremes of u1 (the largest radius at the smallest cell; log near 1 at the largest) and of the angle.
        yield return new TestCaseData(0u, 4096u).SetArgDisplayNames("smallest cells");
        yield return new TestCaseData((1u << 23) - 4096u, 4096u).SetArgDisplayNames("largest cells");
        yield return new TestCaseData((1u << 21) - 2048u, 4096u).SetArgDisplayNames("around a quarter turn");
        yield return new TestCaseData(0u, 1u << 23).SetArgDisplayNames("every cell");
    }

    /// <summary>
    /// Box-Muller on cells [first, first + count) for u1, each against a spread of u2 (and the reverse), within
    /// <see cref="NormalUlpsOfRadius"/> * 2^-23 * r of the scalar normals.
    /// </summary>
    [TestCaseSource(nameof(UniformCells))]
    public void BoxMuller_IsWithinRoundingOfScalar(uint first, uint count)
    {
        float worst = 0f;
        for (uint i = 0; i < count; i += 8)
        {
            // u1 walks the cells in order; u2 walks them in a scrambled order, so every angle region is reached.
            Vector256<uint> bits1 = Lanes(l => (first + i + (uint)l) << 9);
            Vector256<uint> bits2 = Lanes(l => (((first + i + (uint)l) * 2654435761u) & ((1u << 23) - 1)) << 9);
            foreach ((Vector256<uint> a, Vector256<uint> b) in new[] { (bits1, bits2), (bits2, bits1) })
            {
                Philox8.BoxMuller(Philox8.ToUniform(a), Philox8.ToUniform(b), out Vector256<float> z1, out Vector256<float> z2);
                for (int l = 0; l < 8; l++)
                {
                    float u1 = Philox4x32.ToUniform(a[l]), u2 = Philox4x32.ToUniform(b[l]);
                    Philox4x32.BoxMuller(u1, u2, out float e1, out float e2);
                    float radius = MathF.Sqrt(-2f * MathF.Log(u1)), bound = NormalUlpsOfRadius * radius / 8388608f;
                    float error = MathF.Max(MathF.Abs(z1[l] - e1), MathF.Abs(z2[l] - e2));
                    worst = MathF.Max(worst, error / (radius / 8388608f));
                    if (!(error <= bound)) Assert.Fail($"u1 {u1:R} u2 {u2:R}: ({z1[l]:R}, {z2[l]:R}) against ({e1:R}, {e2:R}), bound {bound:R}");
                }
            }
        }
        TestContext.Out.WriteLine($"largest difference: {worst:F2} x 2^-23 r");
    }

    /// <summary>
    /// The vector sin and cos of Box-Muller's angle fl(2 pi) u, for every uniform cell u, against float64 sin and cos of the
    /// same float angle: within 2 ulps of a value below 1 (2^-23 absolute), the budget the bound above gives each side.
    /// </summary>
    [Test]
    public void SinCosTwoPi_EveryCell_IsWithinTwoUlpsOfTheExactValue()
    {
        double worst = 0;
        for (uint cell = 0; cell < 1u << 23; cell += 8)
        {
            Vector256<float> u = Philox8.ToUniform(Lanes(l => (cell + (uint)l) << 9));
            Philox8.SinCosTwoPi(u, out Vector256<float> sin, out Vector256<float> cos);
            for (int l = 0; l < 8; l++)
            {
                double angle = 2f * MathF.PI * u[l]; // the scalar path's float angle
                double error = Math.Max(Math.Abs(sin[l] - Math.Sin(angle)), Math.Abs(cos[l] - Math.Cos(angle)));
                worst = Math.Max(worst, error);
                if (!(error <= 1.0 / 8388608)) Assert.Fail($"u {u[l]:R}: sin {sin[l]:R} cos {cos[l]:R}, error {error:R}");
            }
        }
        TestContext.Out.WriteLine($"largest error: {worst * 8388608:F2} x 2^-23");
    }

    [Test]
    public void Normal4_EveryLane_IsWithinRoundingOfScalarNormal4()
    {
        var rng = Philox4x32.FromSeed(42);
        for (uint c = 0; c < 20000; c += 8)
        {
            Philox8.Normal4(rng, Lanes(l => c + (uint)l), Vector256.Create(c * 3), Lanes(l => (uint)l * 7), Vector256.Create(5u),
                out Vector256<float> z0, out Vector256<float> z1, out Vector256<float> z2, out Vector256<float> z3);
            for (int l = 0; l < 8; l++)
            {
                uint chain = c + (uint)l;
                Float4 expected = rng.Normal4(chain, c * 3, (uint)l * 7, 5);
                Float4 u = rng.Uniform4(chain, c * 3, (uint)l * 7, 5);
                float r01 = MathF.Sqrt(-2f * MathF.Log(u.X)) * NormalUlpsOfRadius / 8388608f;
                float r23 = MathF.Sqrt(-2f * MathF.Log(u.Z)) * NormalUlpsOfRadius / 8388608f;
                Assert.That(z0[l], Is.EqualTo(expected.X).Within(r01), $"chain {chain} X");
                Assert.That(z1[l], Is.EqualTo(expected.Y).Within(r01), $"chain {chain} Y");
                Assert.That(z2[l], Is.EqualTo(expected.Z).Within(r23), $"chain {chain} Z");
                Assert.That(z3[l], Is.EqualTo(expected.W).Within(r23), $"chain {chain} W");
            }
        }
    }
}

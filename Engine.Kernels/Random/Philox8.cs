using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ILGPU.Algorithms;

namespace TorchEbm.Kernels.Random;

/// <summary>
/// <see cref="Philox4x32"/> on eight counters at once in 256-bit vectors (lane l of every argument is one counter), for
/// host code on the CPU accelerator's memory. The integer words and the uniforms are bit-identical to the scalar
/// generator's for every lane; the normals come from vector log, sqrt and sin/cos, so they agree with
/// <see cref="Philox4x32.Normal4"/> to float rounding, not bit for bit.
/// </summary>
/// <remarks>Host code only (never called from a kernel): ILGPU does not compile <see cref="Vector256{T}"/>.</remarks>
internal static class Philox8
{
    private const uint M0 = 0xD2511F53;
    private const uint M1 = 0xCD9E8D57;
    private const uint W0 = 0x9E3779B9;
    private const uint W1 = 0xBB67AE85;

    /// <summary>The ten-round block function of eight counters (c0[l], c1[l], c2[l], c3[l]), words r0..r3 per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block(Philox4x32 rng, Vector256<uint> c0, Vector256<uint> c1, Vector256<uint> c2, Vector256<uint> c3,
        out Vector256<uint> r0, out Vector256<uint> r1, out Vector256<uint> r2, out Vector256<uint> r3)
    {
        uint k0 = rng.Key0, k1 = rng.Key1;
        for (int round = 0; round < 10; round++)
        {
            // The scalar round, lane by lane: n0 = hi(M1 c2) ^ c1 ^ k0, n2 = hi(M0 c0) ^ c3 ^ k1, c1 = lo(M1 c2), c3 = lo(M0 c0).
            MultiplyWide(c0, M0, out Vector256<uint> hi0, out Vector256<uint> lo0);
            MultiplyWide(c2, M1, out Vector256<uint> hi1, out Vector256<uint> lo1);
            c0 = hi1 ^ c1 ^ Vector256.Create(k0);
            c2 = hi0 ^ c3 ^ Vector256.Create(k1);
            c1 = lo1;
            c3 = lo0;
            k0 += W0;
            k1 += W1;
        }
        r0 = c0;
        r1 = c1;
        r2 = c2;
        r3 = c3;
    }

    /// <summary>The 64-bit products a[l] * m split into high and low 32-bit words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void MultiplyWide(Vector256<uint> a, uint m, out Vector256<uint> hi, out Vector256<uint> lo)
    {
        if (Avx2.IsSupported)
        {
            // vpmuludq multiplies the even lanes into 64-bit products; the odd lanes shifted down give the other four.
            Vector256<uint> mv = Vector256.Create((ulong)m).AsUInt32();
            Vector256<ulong> even = Avx2.Multiply(a, mv);
            Vector256<ulong> odd = Avx2.Multiply(Avx2.ShiftRightLogical(a.AsUInt64(), 32).AsUInt32(), mv);
            lo = Avx2.Blend(even.AsUInt32(), Avx2.ShiftLeftLogical(odd, 32).AsUInt32(), 0b1010_1010);
            hi = Avx2.Blend(Avx2.ShiftRightLogical(even, 32).AsUInt32(), odd.AsUInt32(), 0b1010_1010);
            return;
        }
        MultiplyWidePortable(a, m, out hi, out lo);
    }

    /// <summary><see cref="MultiplyWide"/> without AVX2: widen to 64-bit lanes, multiply, narrow back (Narrow keeps low words).</summary>
    internal static void MultiplyWidePortable(Vector256<uint> a, uint m, out Vector256<uint> hi, out Vector256<uint> lo)
    {
        Vector256<ulong> low = Vector256.WidenLower(a) * m, high = Vector256.WidenUpper(a) * m;
        lo = Vector256.Narrow(low, high);
        hi = Vector256.Narrow(Vector256.ShiftRightLogical(low, 32), Vector256.ShiftRightLogical(high, 32));
    }

    /// <summary><see cref="Philox4x32.ToUniform"/> lane by lane (bit-identical: the 23-bit integer converts exactly).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToUniform(Vector256<uint> bits) =>
        (Vector256.ConvertToSingle(Vector256.ShiftRightLogical(bits, 9).AsInt32()) + Vector256.Create(0.5f)) * Vector256.Create(1f / 8388608f);

    /// <summary>
    /// Tests set this to draw the normals lane by lane with <see cref="Philox4x32.BoxMuller"/> itself, so a host twin can be
    /// checked bit for bit against its kernel in everything else.
    /// </summary>
    internal static bool ScalarNormals { get; set; }

    /// <summary>Box-Muller lane by lane, the same operations as <see cref="Philox4x32.BoxMuller"/> with vector transcendentals.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void BoxMuller(Vector256<float> u1, Vector256<float> u2, out Vector256<float> z1, out Vector256<float> z2)
    {
        if (ScalarNormals)
        {
            ScalarBoxMuller(u1, u2, out z1, out z2);
            return;
        }
        Vector256<float> radius = Vector256.Sqrt(Vector256.Create(-2f) * Vector256.Log(u1));
        SinCosTwoPi(u2, out Vector256<float> sin, out Vector256<float> cos);
        z1 = radius * cos;
        z2 = radius * sin;
    }

    /// <summary>
    /// sin and cos of the scalar path's angle fl(2 pi) u: the nearest quarter turn q, the rest x = angle - q pi/2 in about
    /// [-pi/4, pi/4] by Cody-Waite reduction with pi/2 in three parts (the first exact for q &lt;= 4), then Cephes'
    /// single-precision polynomials (sinf, cosf), swapped and signed for the quarter turn: within the two implementations'
    /// rounding of the scalar sin and cos of the same angle, and a shorter reduction than
    /// <see cref="Vector256.SinCos(Vector256{float})"/>'s, which takes arbitrary angles.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SinCosTwoPi(Vector256<float> u, out Vector256<float> sin, out Vector256<float> cos)
    {
        Vector256<float> angle = Vector256.Create(2f * XMath.PI) * u;
        Vector256<float> q = Vector256.Round(angle * Vector256.Create(2f / XMath.PI));
        Vector256<float> x = angle - q * Vector256.Create(1.5703125f) - q * Vector256.Create(4.837512969970703125e-4f)
            - q * Vector256.Create(7.54978995489188216e-8f);
        Vector256<float> z = x * x;
        Vector256<float> s = ((Vector256.Create(-1.9515295891e-4f) * z + Vector256.Create(8.3321608736e-3f)) * z
            + Vector256.Create(-1.6666654611e-1f)) * z * x + x;
        Vector256<float> c = ((Vector256.Create(2.443315711809948e-5f) * z + Vector256.Create(-1.388731625493765e-3f)) * z
            + Vector256.Create(4.166664568298827e-2f)) * z * z - Vector256.Create(0.5f) * z + Vector256<float>.One;
        // angle = q pi/2 + x: odd quarter turns swap sin and cos; sin is negative in turns 2, 3 and cos in turns 1, 2.
        Vector256<int> quarter = Vector256.ConvertToInt32(q);
        Vector256<float> swap = Vector256.Equals(quarter & Vector256<int>.One, Vector256<int>.One).AsSingle();
        Vector256<int> sinSign = Vector256.ShiftLeft(quarter & Vector256.Create(2), 30);
        Vector256<int> cosSign = Vector256.ShiftLeft((quarter + Vector256<int>.One) & Vector256.Create(2), 30);
        sin = (Vector256.ConditionalSelect(swap, c, s).AsInt32() ^ sinSign).AsSingle();
        cos = (Vector256.ConditionalSelect(swap, s, c).AsInt32() ^ cosSign).AsSingle();
    }

    private static void ScalarBoxMuller(Vector256<float> u1, Vector256<float> u2, out Vector256<float> z1, out Vector256<float> z2)
    {
        Span<float> a = stackalloc float[8], b = stackalloc float[8];
        for (int l = 0; l < 8; l++) Philox4x32.BoxMuller(u1.GetElement(l), u2.GetElement(l), out a[l], out b[l]);
        z1 = Vector256.Create<float>(a);
        z2 = Vector256.Create<float>(b);
    }

    /// <summary>Four standard normals per lane from eight counters: lane l of z0..z3 is <see cref="Philox4x32.Normal4"/>'s X..W.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Normal4(Philox4x32 rng, Vector256<uint> c0, Vector256<uint> c1, Vector256<uint> c2, Vector256<uint> c3,
        out Vector256<float> z0, out Vector256<float> z1, out Vector256<float> z2, out Vector256<float> z3)
    {
        Block(rng, c0, c1, c2, c3, out Vector256<uint> r0, out Vector256<uint> r1, out Vector256<uint> r2, out Vector256<uint> r3);
        BoxMuller(ToUniform(r0), ToUniform(r1), out z0, out z1);
        BoxMuller(ToUniform(r2), ToUniform(r3), out z2, out z3);
    }

    /// <summary>The first two of <see cref="Normal4"/>'s normals per lane (<see cref="Philox4x32.Normal2"/>'s X and Y).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Normal2(Philox4x32 rng, Vector256<uint> c0, Vector256<uint> c1, Vector256<uint> c2, Vector256<uint> c3,
        out Vector256<float> z0, out Vector256<float> z1)
    {
        Block(rng, c0, c1, c2, c3, out Vector256<uint> r0, out Vector256<uint> r1, out _, out _);
        BoxMuller(ToUniform(r0), ToUniform(r1), out z0, out z1);
    }
}

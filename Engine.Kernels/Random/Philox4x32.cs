using ILGPU.Algorithms;

namespace TorchEbm.Kernels.Random;

/// <summary>
/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a counter-based
/// generator. The same (counter, key) gives the same four 32-bit words on the host, on the CPU accelerator
/// and on a GPU, so a seed reproduces a run bit for bit wherever it runs.
/// </summary>
/// <remarks>
/// Usable inside kernels: a plain struct, no allocation, no exceptions, float32 math only.
/// Convention in this engine: key = the user's 64-bit seed; counter = (index, stream/chain, step, purpose).
/// </remarks>
public readonly struct Philox4x32
{
    private const uint M0 = 0xD2511F53;
    private const uint M1 = 0xCD9E8D57;
    private const uint W0 = 0x9E3779B9; // golden ratio
    private const uint W1 = 0xBB67AE85; // sqrt(3) - 1

    /// <summary>Low word of the key.</summary>
    public readonly uint Key0;

    /// <summary>High word of the key.</summary>
    public readonly uint Key1;

    /// <summary>Creates a generator keyed by two 32-bit words.</summary>
    public Philox4x32(uint key0, uint key1)
    {
        Key0 = key0;
        Key1 = key1;
    }

    /// <summary>Creates a generator keyed by a 64-bit seed (low word first).</summary>
    public static Philox4x32 FromSeed(long seed) => new((uint)(ulong)seed, (uint)((ulong)seed >> 32));

    /// <summary>The ten-round Philox block function of one 128-bit counter.</summary>
    public UInt4 Block(uint c0, uint c1, uint c2, uint c3)
    {
        uint k0 = Key0, k1 = Key1;
        for (int round = 0; round < 10; round++)
        {
            // One Philox round: two 32x32 -> 64-bit products, swap and mix with the key.
            ulong p0 = (ulong)M0 * c0;
            ulong p1 = (ulong)M1 * c2;
            uint n0 = (uint)(p1 >> 32) ^ c1 ^ k0;
            uint n2 = (uint)(p0 >> 32) ^ c3 ^ k1;
            c1 = (uint)p1;
            c3 = (uint)p0;
            c0 = n0;
            c2 = n2;
            k0 += W0;
            k1 += W1;
        }
        return new UInt4(c0, c1, c2, c3);
    }

    /// <summary>
    /// Maps 32 random bits to a float32 strictly inside (0, 1): the top 23 bits pick one of 2^23 cell midpoints,
    /// all exactly representable, so neither 0 nor 1 can occur (24 bits would round the top cell up to 1).
    /// Converts through <c>int</c>: a <c>uint</c> to float conversion becomes float64 math in ILGPU's PTX.
    /// </summary>
    public static float ToUniform(uint bits) => ((int)(bits >> 9) + 0.5f) * (1f / 8388608f);

    /// <summary>Four uniforms in (0, 1) from one counter.</summary>
    public Float4 Uniform4(uint c0, uint c1, uint c2, uint c3)
    {
        UInt4 r = Block(c0, c1, c2, c3);
        return new Float4(ToUniform(r.X), ToUniform(r.Y), ToUniform(r.Z), ToUniform(r.W));
    }

    /// <summary>Four standard normals from one counter (Box-Muller on two pairs of uniforms).</summary>
    public Float4 Normal4(uint c0, uint c1, uint c2, uint c3)
    {
        Float4 u = Uniform4(c0, c1, c2, c3);
        BoxMuller(u.X, u.Y, out float z0, out float z1);
        BoxMuller(u.Z, u.W, out float z2, out float z3);
        return new Float4(z0, z1, z2, z3);
    }

    /// <summary>
    /// The first two of <see cref="Normal4"/>'s normals (bit-identical to its X and Y) at half the transcendental cost,
    /// for the last one or two coordinates of a row.
    /// </summary>
    public Float4 Normal2(uint c0, uint c1, uint c2, uint c3)
    {
        UInt4 r = Block(c0, c1, c2, c3);
        BoxMuller(ToUniform(r.X), ToUniform(r.Y), out float z0, out float z1);
        return new Float4(z0, z1, 0f, 0f);
    }

    /// <summary>Box-Muller: two uniforms in (0, 1) to two independent standard normals.</summary>
    public static void BoxMuller(float u1, float u2, out float z1, out float z2)
    {
        float radius = XMath.Sqrt(-2f * XMath.Log(u1));
        float angle = 2f * XMath.PI * u2;
        z1 = radius * XMath.Cos(angle);
        z2 = radius * XMath.Sin(angle);
    }
}

using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Training;

/// <summary>
/// A seeded pseudo-random permutation of the row indices [0, rows), a different one per epoch, evaluated index by index
/// (inside a kernel or on the host) with no table and no sort: a four-round balanced Feistel network over the smallest
/// even number of bits that covers <see cref="Rows"/>, whose round functions are Philox4x32 blocks with counter
/// (half, epoch, <see cref="Stream"/>, round), and cycle walking to bring each result back into [0, rows).
/// </summary>
/// <remarks>
/// Being a Feistel network it is a bijection for every key, so an epoch visits every row exactly once; cycle walking
/// takes fewer than four network evaluations per index on average (the network's domain is below 4 rows).
/// Like every Philox draw, the same seed, rows and epoch give the same permutation on every device.
/// </remarks>
public readonly struct RowPermutation
{
    /// <summary>Philox counter word 2 reserved for minibatch permutations.</summary>
    public const uint Stream = 5;

    /// <summary>Feistel rounds.</summary>
    public const uint Rounds = 4;

    /// <summary>The Philox generator (key = the seed).</summary>
    public readonly Philox4x32 Rng;

    /// <summary>Number of indices permuted.</summary>
    public readonly int Rows;

    /// <summary>Bits of each Feistel half: the network permutes [0, 4^HalfBits), at least <see cref="Rows"/>.</summary>
    public readonly int HalfBits;

    /// <summary>The epoch: each epoch of one seed has its own permutation.</summary>
    public readonly uint Epoch;

    /// <summary>The permutation of [0, <paramref name="rows"/>) for <paramref name="epoch"/> under <paramref name="rng"/>'s key.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rows"/> is below 1.</exception>
    public RowPermutation(Philox4x32 rng, int rows, uint epoch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        int bits = 0;
        while (bits < 31 && (1L << bits) < rows) bits++;
        Rng = rng;
        Rows = rows;
        HalfBits = Math.Max(1, (bits + 1) / 2);
        Epoch = epoch;
    }

    /// <summary>The row at <paramref name="position"/> (in [0, Rows)) of this epoch's order.</summary>
    public int Map(int position)
    {
        uint x = (uint)position;
        do x = Network(x);
        while (x >= (uint)Rows);
        return (int)x;
    }

    /// <summary>The Feistel network on [0, 4^HalfBits).</summary>
    private uint Network(uint x)
    {
        uint mask = (1u << HalfBits) - 1u;
        uint left = x >> HalfBits, right = x & mask;
        for (uint round = 0; round < Rounds; round++)
        {
            uint mixed = left ^ (Rng.Block(right, Epoch, Stream, round).X & mask);
            left = right;
            right = mixed;
        }
        return (left << HalfBits) | right;
    }
}

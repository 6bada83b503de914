using ILGPU.Runtime;
using ILGPU;
using TorchEbm.Kernels.Random;
using TorchEbm.Launch;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Kernels;

/// <summary>Philox4x32-10 against Random123's known-answer vectors (kat_vectors), on the host and inside a kernel.</summary>
public sealed class PhiloxTests(DeviceKind kind) : DeviceTest(kind)
{
    // counter c0..c3, key k0 k1, expected output r0..r3 (Random123, philox4x32 10 rounds).
    private static readonly uint[][] KnownAnswers =
    [
        [0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
        [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
        [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
    ];

    [Test]
    public void Block_MatchesKnownAnswers_OnHost()
    {
        foreach (uint[] v in KnownAnswers)
        {
            UInt4 r = new Philox4x32(v[4], v[5]).Block(v[0], v[1], v[2], v[3]);
            Assert.That(new[] { r.X, r.Y, r.Z, r.W }, Is.EqualTo(v[6..10]), $"counter {v[0]:x8} key {v[4]:x8}");
        }
    }

    [Test]
    public void Block_MatchesKnownAnswers_InKernel()
    {
        uint[] input = KnownAnswers.SelectMany(v => v[..6]).ToArray();
        using var inputs = Device.Accelerator.Allocate1D(input);
        using var outputs = Device.Accelerator.Allocate1D<uint>(KnownAnswers.Length * 4);
        Device.Launch<ArrayView<uint>, ArrayView<uint>>(PhiloxBlocks, KnownAnswers.Length, inputs.View, outputs.View);
        uint[] output = outputs.GetAsArray1D();

        for (int i = 0; i < KnownAnswers.Length; i++)
            Assert.That(output[(i * 4)..(i * 4 + 4)], Is.EqualTo(KnownAnswers[i][6..10]), $"case {i}");
    }

    [Test]
    public void FromSeed_SplitsLowWordFirst()
    {
        var rng = Philox4x32.FromSeed(0x299f31d0_a4093822L);
        Assert.That((rng.Key0, rng.Key1), Is.EqualTo((0xa4093822u, 0x299f31d0u)));
    }

    [Test]
    public void ToUniform_StaysStrictlyInsideUnitInterval()
    {
        Assert.That(Philox4x32.ToUniform(0), Is.GreaterThan(0f));
        Assert.That(Philox4x32.ToUniform(uint.MaxValue), Is.LessThan(1f));
        Assert.That(Philox4x32.ToUniform(uint.MaxValue), Is.EqualTo(1f - 1f / 16777216f));
        Assert.That(Philox4x32.ToUniform(0), Is.EqualTo(1f / 16777216f));
    }

    /// <summary>Test kernel: each work item runs Philox on one (counter, key) row of six words.</summary>
    private static void PhiloxBlocks(ArrayView<uint> input, ArrayView<uint> output)
    {
        int cases = input.IntLength / 6;
        for (int i = GridStride.Start; i < cases; i += GridStride.Stride)
        {
            int o = i * 6;
            UInt4 r = new Philox4x32(input[o + 4], input[o + 5]).Block(input[o], input[o + 1], input[o + 2], input[o + 3]);
            output[i * 4] = r.X;
            output[i * 4 + 1] = r.Y;
            output[i * 4 + 2] = r.Z;
            output[i * 4 + 3] = r.W;
        }
    }

    [Test]
    public void Normal2_EqualsTheFirstPairOfNormal4()
    {
        var rng = Philox4x32.FromSeed(20261129);
        for (uint c = 0; c < 1000; c++)
        {
            Float4 four = rng.Normal4(c, c * 7, 3, 1), two = rng.Normal2(c, c * 7, 3, 1);
            Assert.That(BitConverter.SingleToInt32Bits(two.X), Is.EqualTo(BitConverter.SingleToInt32Bits(four.X)));
            Assert.That(BitConverter.SingleToInt32Bits(two.Y), Is.EqualTo(BitConverter.SingleToInt32Bits(four.Y)));
        }
    }
}

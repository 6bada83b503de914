using TorchEbm.Kernels.Training;
using TorchEbm.Kernels.Random;
using TorchEbm.Training;

namespace TorchEbm.Tests.Training;

/// <summary>The minibatch permutation, evaluated on the host: a bijection of [0, rows) for any row count, new per epoch and seed.</summary>
public sealed class RowPermutationTests
{
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(17)]
    [TestCase(1024)]
    [TestCase(4097)]
    public void Map_IsABijectionOfTheRows(int rows)
    {
        var permutation = new RowPermutation(Philox4x32.FromSeed(42), rows, epoch: 3);
        int[] image = [.. Enumerable.Range(0, rows).Select(permutation.Map)];
        Assert.That(image.Order(), Is.EqualTo(Enumerable.Range(0, rows)));
    }

    [Test]
    public void EpochsAndSeeds_GiveOtherOrders()
    {
        int[] Order(long seed, uint epoch)
        {
            var p = new RowPermutation(Philox4x32.FromSeed(seed), 1000, epoch);
            return [.. Enumerable.Range(0, 1000).Select(p.Map)];
        }
        Assert.That(Order(0, 0), Is.EqualTo(Order(0, 0)), "deterministic");
        Assert.That(Order(0, 1), Is.Not.EqualTo(Order(0, 0)));
        Assert.That(Order(1, 0), Is.Not.EqualTo(Order(0, 0)));
        // Shuffled, not shifted: few fixed points (a random permutation has 1 on average).
        int[] order = Order(0, 0);
        Assert.That(Enumerable.Range(0, 1000).Count(i => order[i] == i), Is.LessThan(8));
    }

    [Test]
    public void ZeroRows_AreRejected() =>
        Assert.That(() => new RowPermutation(Philox4x32.FromSeed(0), 0, 0), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("rows"));
}

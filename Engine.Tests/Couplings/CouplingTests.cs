using TorchEbm.Couplings;

namespace TorchEbm.Tests.Couplings;

/// <summary>
/// Minibatch couplings: exact OT against brute force over every permutation of small batches; Sinkhorn's plan against its
/// marginals and, as epsilon falls, against the exact OT cost; the independent coupling; bad input.
/// </summary>
public sealed class CouplingTests
{
    private static float[,] Batch(int n, int d, int seed, double scale = 1)
    {
        var random = new Random(seed);
        var x = new float[n, d];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < d; k++) x[i, k] = (float)(scale * (random.NextDouble() * 2 - 1));
        return x;
    }

    private static double Cost(float[,] source, float[,] target, IReadOnlyList<int> pairs)
    {
        double total = 0;
        for (int j = 0; j < pairs.Count; j++)
            for (int k = 0; k < source.GetLength(1); k++)
            {
                double diff = (double)source[pairs[j], k] - target[j, k];
                total += diff * diff;
            }
        return total;
    }

    private static IEnumerable<int[]> Permutations(int[] items)
    {
        if (items.Length <= 1)
        {
            yield return items;
            yield break;
        }
        for (int i = 0; i < items.Length; i++)
            foreach (int[] rest in Permutations([.. items.Where((_, k) => k != i)]))
                yield return [items[i], .. rest];
    }

    [TestCase(1, 0)]
    [TestCase(2, 1)]
    [TestCase(5, 2)]
    [TestCase(7, 3)]
    [TestCase(7, 4)]
    public void ExactOt_MatchesBruteForceOverAllPermutations(int n, int seed)
    {
        float[,] source = Batch(n, 2, seed), target = Batch(n, 2, seed + 100);
        int[] pairs = new OptimalTransportCoupling().Pair(source, target);
        Assert.That(pairs.Order(), Is.EqualTo(Enumerable.Range(0, n)), "a permutation");
        double best = Permutations([.. Enumerable.Range(0, n)]).Min(p => Cost(source, target, p));
        Assert.That(Cost(source, target, pairs), Is.EqualTo(best).Within(1e-9 * Math.Max(1, best)));
        Assert.That(new OptimalTransportCoupling().Cost(source, target), Is.EqualTo(best).Within(1e-9 * Math.Max(1, best)));
    }

    [Test]
    public void ExactOt_OnAShiftedCopy_PairsEachRowWithItsImage()
    {
        // target_j = source_(perm j) + a small shift: the identity under perm is optimal (every other pairing moves further).
        float[,] source = Batch(40, 3, 7, scale: 5);
        int[] perm = [.. Enumerable.Range(0, 40).OrderBy(i => (i * 17) % 40)];
        var target = new float[40, 3];
        for (int j = 0; j < 40; j++)
            for (int k = 0; k < 3; k++) target[j, k] = source[perm[j], k] + 0.01f;
        Assert.That(new OptimalTransportCoupling().Pair(source, target), Is.EqualTo(perm));
    }

    [Test]
    public void Sinkhorn_PlanHasUniformMarginals()
    {
        float[,] source = Batch(12, 2, 5), target = Batch(12, 2, 6);
        var sinkhorn = new SinkhornCoupling(epsilon: 0.5, tolerance: 1e-10, maxIterations: 5000);
        double[,] plan = sinkhorn.Plan(source, target);
        for (int i = 0; i < 12; i++)
        {
            double row = 0, column = 0;
            for (int j = 0; j < 12; j++)
            {
                row += plan[i, j];
                column += plan[j, i];
            }
            Assert.That(row, Is.EqualTo(1.0 / 12).Within(1e-9), $"row {i}");
            Assert.That(column, Is.EqualTo(1.0 / 12).Within(1e-9), $"column {i}");
        }
    }

    [Test]
    public void Sinkhorn_ConvergesToExactOt_AsEpsilonFalls()
    {
        // The entropic plan's transport cost exceeds the exact OT cost (divided by n: uniform weights 1/n) by at most
        // epsilon log(n^2) (the entropy range), and the gap shrinks as epsilon does.
        int n = 10;
        float[,] source = Batch(n, 2, 11), target = Batch(n, 2, 12);
        double exact = new OptimalTransportCoupling().Cost(source, target) / n;
        double previousGap = double.PositiveInfinity;
        foreach (double epsilon in new[] { 1.0, 0.1, 0.01, 0.001 })
        {
            double[,] plan = new SinkhornCoupling(epsilon, maxIterations: 20000, tolerance: 1e-10).Plan(source, target);
            double cost = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int k = 0; k < 2; k++) s += Math.Pow((double)source[i, k] - target[j, k], 2);
                    cost += plan[i, j] * s;
                }
            double gap = cost - exact;
            Assert.That(gap, Is.GreaterThanOrEqualTo(-1e-9), $"epsilon {epsilon}: no plan beats exact OT");
            Assert.That(gap, Is.LessThanOrEqualTo(epsilon * Math.Log(n * n) + 1e-9), $"epsilon {epsilon}: within the entropy bound");
            Assert.That(gap, Is.LessThanOrEqualTo(previousGap), $"epsilon {epsilon}: closer than at a larger epsilon");
            previousGap = gap;
        }
        Assert.That(previousGap, Is.LessThan(1e-3 * exact), "at epsilon 0.001 the plan's cost is exact OT's");
    }

    [Test]
    public void Sinkhorn_AtSmallEpsilon_DrawsTheExactOtPairs()
    {
        float[,] source = Batch(8, 2, 21), target = Batch(8, 2, 22);
        int[] exact = new OptimalTransportCoupling().Pair(source, target);
        Assert.That(new SinkhornCoupling(epsilon: 1e-4, maxIterations: 20000, tolerance: 1e-10, seed: 3).Pair(source, target), Is.EqualTo(exact));
    }

    [Test]
    public void Independent_PairsRowsInOrder()
    {
        Assert.That(new IndependentCoupling().Pair(Batch(4, 2, 1), Batch(4, 2, 2)), Is.EqualTo(new[] { 0, 1, 2, 3 }));
    }

    [Test]
    public void Pair_RejectsBadBatches()
    {
        var coupling = new OptimalTransportCoupling();
        Assert.Throws<ArgumentNullException>(() => coupling.Pair(null!, Batch(2, 2, 1)));
        Assert.That(Assert.Throws<ArgumentException>(() => coupling.Pair(Batch(3, 2, 1), Batch(2, 2, 1)))!.ParamName, Is.EqualTo("target"));
        Assert.That(Assert.Throws<ArgumentException>(() => coupling.Pair(new float[0, 2], new float[0, 2]))!.ParamName, Is.EqualTo("source"));
        float[,] nan = Batch(2, 2, 1);
        nan[1, 1] = float.NaN;
        Assert.That(Assert.Throws<ArgumentException>(() => coupling.Pair(Batch(2, 2, 1), nan))!.ParamName, Is.EqualTo("target"));
        Assert.That(Assert.Throws<ArgumentException>(() => coupling.Pair(new float[OptimalTransportCoupling.MaxRows + 1, 1], new float[OptimalTransportCoupling.MaxRows + 1, 1]))!.ParamName,
            Is.EqualTo("source"));
    }

    [TestCase(0.0, 10, 1e-6)]
    [TestCase(-1.0, 10, 1e-6)]
    [TestCase(double.NaN, 10, 1e-6)]
    [TestCase(0.1, 0, 1e-6)]
    [TestCase(0.1, 10, 0.0)]
    public void Sinkhorn_RejectsBadSettings(double epsilon, int maxIterations, double tolerance)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SinkhornCoupling(epsilon, maxIterations, tolerance));
    }
}

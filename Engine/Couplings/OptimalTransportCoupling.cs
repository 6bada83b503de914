namespace TorchEbm.Couplings;

/// <summary>
/// Exact minibatch optimal transport: the one-to-one pairing of source and target rows with the least total squared
/// Euclidean distance (an assignment problem, solved exactly by the Hungarian method with potentials in O(n^3)).
/// </summary>
/// <remarks>With uniform weights on equal-sized batches an optimal plan of the discrete OT problem is a permutation
/// (Birkhoff), so this is exact OT. Batches are limited to <see cref="MaxRows"/> rows (about 1e10 operations at most).</remarks>
public sealed class OptimalTransportCoupling : Coupling
{
    /// <summary>The largest batch accepted: 2048 rows (the cubic cost then takes seconds).</summary>
    public const int MaxRows = 2048;

    /// <summary>The least total squared distance of a one-to-one pairing (the minibatch W2^2 times n), for checks and reports.</summary>
    public double Cost(float[,] source, float[,] target)
    {
        int[] pairs = Pair(source, target);
        double[,] cost = SquaredDistances(source, target);
        double total = 0;
        for (int j = 0; j < pairs.Length; j++) total += cost[pairs[j], j];
        return total;
    }

    private protected override int[] PairChecked(float[,] source, float[,] target)
    {
        int n = source.GetLength(0);
        if (n > MaxRows)
            throw new ArgumentException($"exact OT solves an n^3 assignment: at most {MaxRows} rows, got {n}. Use SinkhornCoupling for larger batches.", nameof(source));
        return Assign(SquaredDistances(source, target));
    }

    /// <summary>
    /// The Hungarian method with row and column potentials u, v (Kuhn 1955, Munkres 1957; the O(n^3) shortest augmenting
    /// path form): rows are added one at a time, each along the cheapest path in reduced costs cost[i, j] - u[i] - v[j].
    /// Returns, for each column j, its row.
    /// </summary>
    internal static int[] Assign(double[,] cost)
    {
        int n = cost.GetLength(0);
        var u = new double[n + 1];
        var v = new double[n + 1];
        var rowOf = new int[n + 1]; // rowOf[j]: the row (1-based) assigned to column j (1-based); 0 = none
        var way = new int[n + 1];
        for (int i = 1; i <= n; i++)
        {
            rowOf[0] = i;
            int column = 0;
            var least = new double[n + 1];
            var used = new bool[n + 1];
            Array.Fill(least, double.PositiveInfinity);
            do
            {
                used[column] = true;
                int row = rowOf[column], next = 0;
                double delta = double.PositiveInfinity;
                for (int j = 1; j <= n; j++)
                {
                    if (used[j]) continue;
                    double reduced = cost[row - 1, j - 1] - u[row] - v[j];
                    if (reduced < least[j])
                    {
                        least[j] = reduced;
                        way[j] = column;
                    }
                    if (least[j] < delta)
                    {
                        delta = least[j];
                        next = j;
                    }
                }
                for (int j = 0; j <= n; j++)
                {
                    if (used[j])
                    {
                        u[rowOf[j]] += delta;
                        v[j] -= delta;
                    }
                    else least[j] -= delta;
                }
                column = next;
            } while (rowOf[column] != 0);
            do
            {
                int previous = way[column];
                rowOf[column] = rowOf[previous];
                column = previous;
            } while (column != 0);
        }
        var pairs = new int[n];
        for (int j = 1; j <= n; j++) pairs[j - 1] = rowOf[j] - 1;
        return pairs;
    }
}

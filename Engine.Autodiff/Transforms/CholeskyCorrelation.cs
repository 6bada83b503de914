using TorchEbm.Autodiff;

namespace TorchEbm.Transforms;

/// <summary>
/// The Cholesky factor of a K x K correlation matrix per row (Stan's <c>cholesky_factor_corr[K]</c>), from K (K - 1) / 2
/// unconstrained values through canonical partial correlations z = tanh(y): row i of L (i &gt;= 1) is
/// L[i, j] = z_ij sqrt(1 - L[i, 0]^2 - ... - L[i, j-1]^2) for j &lt; i and L[i, i] = sqrt(1 - the sum of the row's other
/// squares), L[0, 0] = 1; the values fill the strictly lower triangle row by row. log |det J| (over the strictly lower
/// triangle) = sum ln(1 - z^2) + 1/2 sum over j &gt;= 1 of ln(1 - L[i, 0]^2 - ... - L[i, j-1]^2)
/// (Stan reference manual, "Constraint transforms", Cholesky factors of correlation matrices).
/// </summary>
/// <remarks>
/// Computed in logs: 1 - L[i, 0]^2 - ... - L[i, j-1]^2 is the product of (1 - z^2) over the row's earlier entries, and
/// ln(1 - tanh(y)^2) = 2 (y + ln 2 - softplus(2 y)), so rows of every length stay accurate. The factor is laid out as
/// the Cholesky ops of <see cref="Var"/> read matrices: shape (n, K * K), row-major, upper triangle 0; L L^T is a
/// correlation matrix (unit diagonal, positive definite).
/// </remarks>
public static class CholeskyCorrelation
{
    /// <summary>The factors L (n, K * K) from unconstrained rows y (n, K (K - 1) / 2), and each row's log-Jacobian (n).</summary>
    /// <exception cref="ArgumentException">y is not (n, K (K - 1) / 2) for a whole K &gt;= 2.</exception>
    public static Constrained Constrain(Var y)
    {
        int k = Order(y, nameof(y)), free = y.Value.Dim(1);
        Device device = y.Device;
        Var z = y.Tanh();
        Var logOneMinusZ2 = 2f * (y + MathF.Log(2f) - (2f * y).Softplus());
        // ln of 1 - (the squares before each entry in its row): exclusive running sums within each row of L.
        Var logLeft = logOneMinusZ2.MatMul(TransformInput.Indicator(device, free, free, (a, b) => RowOf(a) == RowOf(b) && a < b));
        Var offDiagonal = z * (0.5f * logLeft).Exp();
        // ln L[i, i] = 1/2 the sum of the row's ln(1 - z^2) (0 for row 0, which has no entries).
        Var diagonal = (0.5f * logOneMinusZ2.MatMul(TransformInput.Indicator(device, free, k, (a, i) => RowOf(a) == i))).Exp();
        Var value = offDiagonal.MatMul(TransformInput.Indicator(device, free, k * k, (a, p) => p == Position(a, k)))
            + diagonal.MatMul(TransformInput.Indicator(device, k, k * k, (i, p) => p == i * k + i));
        return new Constrained(value, logOneMinusZ2.Sum(1) + 0.5f * logLeft.Sum(1));
    }

    /// <summary>
    /// The inverse: z_ij = L[i, j] / sqrt(L[i, j]^2 + ... + L[i, i]^2), y = atanh z, from each row's lower triangle (the
    /// upper triangle is not read; rows are taken as unit vectors, so a row that is not one is read normalised); a row
    /// with a zero diagonal or entries of +-1 gives infinity or NaN.
    /// </summary>
    /// <exception cref="ArgumentException">l is not (n, K * K) for a whole K &gt;= 2.</exception>
    public static Var Unconstrain(Var l)
    {
        TransformInput.Rows(l, 4, nameof(l));
        int columns = l.Value.Dim(1), k = (int)Math.Round(Math.Sqrt(columns)), free = k * (k - 1) / 2;
        if (k * k != columns)
            throw new ArgumentException($"{nameof(l)} must have shape (n, K * K) with K >= 2, got {Shapes.Format(l.Shape)}.", nameof(l));
        Device device = l.Device;
        Var offDiagonal = l.MatMul(TransformInput.Indicator(device, k * k, free, (p, a) => p == Position(a, k)));
        // 1 - L[i, 0]^2 - ... - L[i, j-1]^2 as the row's remaining squares L[i, j]^2 + ... + L[i, i]^2 (a unit row), which
        // does not cancel when the earlier entries are near +-1.
        Var left = l.Square().MatMul(TransformInput.Indicator(device, k * k, free, (p, a) =>
            p / k == RowOf(a) && p % k >= Position(a, k) % k && p % k <= p / k));
        Var z = offDiagonal / left.Sqrt();
        return 0.5f * ((1f + z).Log() - (1f - z).Log());
    }

    /// <summary>K for y of shape (n, K (K - 1) / 2), K &gt;= 2.</summary>
    private static int Order(Var y, string name)
    {
        TransformInput.Rows(y, 1, name);
        int free = y.Value.Dim(1), k = (int)Math.Round((1 + Math.Sqrt(1 + 8.0 * free)) / 2);
        if (k * (k - 1) / 2 != free)
            throw new ArgumentException($"{name} must have shape (n, K (K - 1) / 2) for a whole K (1, 3, 6, 10, ... columns), got {Shapes.Format(y.Shape)}.", name);
        return k;
    }

    /// <summary>The row i of L that free entry a sits in (entries fill rows 1, 2, ... of the strictly lower triangle in order).</summary>
    private static int RowOf(int a)
    {
        int i = 1;
        while (a >= i) { a -= i; i++; }
        return i;
    }

    /// <summary>The position i K + j in L (row-major, K x K) of free entry a.</summary>
    private static int Position(int a, int k)
    {
        int i = RowOf(a);
        return i * k + (a - i * (i - 1) / 2);
    }
}

using TorchEbm.Autodiff;

namespace TorchEbm.Transforms;

/// <summary>
/// An increasing vector per row (Stan's <c>ordered[K]</c>): y_1 = x_1, y_k = y_{k-1} + e^{x_k}, so
/// log |det J| = x_2 + ... + x_K (the Jacobian is triangular).
/// </summary>
public static class Ordered
{
    /// <summary>The increasing rows y (n, K) from unconstrained rows x (n, K), and each row's log-Jacobian (n).</summary>
    /// <remarks>An increment beyond float range (x_k above about 88) makes its whole row NaN rather than infinite (the
    /// running sums are one product with a 0/1 matrix); its energy is non-finite either way, and a sampler rejects it.</remarks>
    /// <exception cref="ArgumentException">x is not (n, K) with K &gt;= 1.</exception>
    public static Constrained Constrain(Var x)
    {
        TransformInput.Rows(x, 1, nameof(x));
        int n = x.Value.Dim(0), k = x.Value.Dim(1);
        if (k == 1) return new Constrained(x.Reshape(n, 1), Var.Intermediate(x.Device.Zeros(n)));
        Var increments = x.Columns(1, k - 1);
        Var steps = Var.Concat([x.Columns(0, 1), increments.Exp()]);
        // y = steps U with U upper triangular ones: each y_k sums the first value and the increments up to k.
        Var value = steps.MatMul(TransformInput.Indicator(x.Device, k, k, (i, j) => i <= j));
        return new Constrained(value, increments.Sum(1));
    }

    /// <summary>The inverse, x_1 = y_1, x_k = ln(y_k - y_{k-1}); a row that is not strictly increasing gives NaN or -infinity.</summary>
    /// <exception cref="ArgumentException">y is not (n, K) with K &gt;= 1.</exception>
    public static Var Unconstrain(Var y)
    {
        TransformInput.Rows(y, 1, nameof(y));
        int n = y.Value.Dim(0), k = y.Value.Dim(1);
        if (k == 1) return y.Reshape(n, 1);
        return Var.Concat([y.Columns(0, 1), (y.Columns(1, k - 1) - y.Columns(0, k - 1)).Log()]);
    }
}

using TorchEbm.Autodiff;

namespace TorchEbm.Transforms;

/// <summary>
/// A probability vector per row (Stan's <c>simplex[K]</c>, stick-breaking): from K - 1 unconstrained x, break
/// z_k = sigmoid(x_k + ln(1 / (K - k))) of the stick left, y_k = z_k (1 - y_1 - ... - y_{k-1}), and y_K the rest; the
/// offsets make x = 0 the uniform simplex. log |det J| = sum over k &lt; K of ln z_k + ln(1 - z_k) + ln(1 - y_1 - ... - y_{k-1})
/// (Stan reference manual, "Constraint transforms", unit simplex).
/// </summary>
/// <remarks>Computed in logs: ln z = -softplus(-u), ln(1 - z) = -softplus(u), the stick left is the exponential of
/// the running sum of ln(1 - z), so no step subtracts nearly equal numbers.</remarks>
public static class Simplex
{
    /// <summary>The simplex rows y (n, K) from unconstrained rows x (n, K - 1), and each row's log-Jacobian (n).</summary>
    /// <exception cref="ArgumentException">x is not (n, K - 1) with K - 1 &gt;= 1.</exception>
    public static Constrained Constrain(Var x)
    {
        TransformInput.Rows(x, 1, nameof(x));
        int n = x.Value.Dim(0), free = x.Value.Dim(1), k = free + 1;
        Var u = x + TransformInput.Row(x.Device, Offsets(k));
        Var logZ = -(-u).Softplus(), logRest = -u.Softplus();
        // ln of the stick left before each break (and, last, of y_K): exclusive running sums of ln(1 - z).
        Var logLeft = logRest.MatMul(TransformInput.Indicator(x.Device, free, k, (j, c) => j < c));
        Var logY = logLeft + Var.Concat([logZ, Var.Intermediate(x.Device.Zeros(n, 1))]);
        Var logJacobian = (logZ + logRest + logLeft.Columns(0, free)).Sum(1);
        return new Constrained(logY.Exp(), logJacobian);
    }

    /// <summary>
    /// The inverse: x_k = logit(z_k) - ln(1 / (K - k)) with z_k = y_k / (y_k + ... + y_K), i.e. x_k = ln y_k - ln(y_{k+1} + ... + y_K)
    /// + ln(K - k). Rows are read as proportions (a row that does not sum to 1 is taken normalised); a zero or
    /// negative entry gives NaN or infinity.
    /// </summary>
    /// <exception cref="ArgumentException">y is not (n, K) with K &gt;= 2.</exception>
    public static Var Unconstrain(Var y)
    {
        TransformInput.Rows(y, 2, nameof(y));
        int k = y.Value.Dim(1), free = k - 1;
        // Tail sums y_{k+1} + ... + y_K for k < K: y T with T[j, c] = 1 where j > c.
        Var tails = y.MatMul(TransformInput.Indicator(y.Device, k, free, (j, c) => j > c));
        return y.Columns(0, free).Log() - tails.Log() - TransformInput.Row(y.Device, Offsets(k));
    }

    /// <summary>The offsets ln(1 / (K - k)) for k = 1 .. K - 1 (zero-based column c: -ln(K - 1 - c)).</summary>
    private static float[] Offsets(int k)
    {
        var offsets = new float[k - 1];
        for (int c = 0; c < offsets.Length; c++) offsets[c] = -MathF.Log(k - 1 - c);
        return offsets;
    }
}

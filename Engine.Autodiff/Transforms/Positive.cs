using TorchEbm.Autodiff;

namespace TorchEbm.Transforms;

/// <summary>
/// A positive parameter (Stan's <c>&lt;lower=0&gt;</c>): y = e^x, with log |dy/dx| = x (Stan reference manual,
/// "Constraint transforms", lower bounded scalar).
/// </summary>
public static class Positive
{
    /// <summary>y = e^x element-wise for x of shape (n) or (n, k), and each row's log-Jacobian, the sum of its x.</summary>
    /// <exception cref="ArgumentException">x is not (n) or (n, k).</exception>
    public static Constrained Constrain(Var x)
    {
        TransformInput.Elementwise(x, nameof(x));
        return new Constrained(x.Exp(), TransformInput.RowSums(x));
    }

    /// <summary>The inverse, x = ln y, to start a chain from positive values; y &lt;= 0 gives NaN or -infinity.</summary>
    /// <exception cref="ArgumentException">y is not (n) or (n, k).</exception>
    public static Var Unconstrain(Var y)
    {
        TransformInput.Elementwise(y, nameof(y));
        return y.Log();
    }
}

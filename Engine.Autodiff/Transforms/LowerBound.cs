using TorchEbm.Autodiff;

namespace TorchEbm.Transforms;

/// <summary>A parameter above a finite lower bound a (Stan's <c>&lt;lower=a&gt;</c>): y = a + e^x, log |dy/dx| = x.</summary>
public static class LowerBound
{
    /// <summary>y = a + e^x element-wise for x of shape (n) or (n, k), and each row's log-Jacobian, the sum of its x.</summary>
    /// <exception cref="ArgumentException">x is not (n) or (n, k), or the bound is NaN or infinite.</exception>
    public static Constrained Constrain(Var x, float lower)
    {
        TransformInput.Bound(lower, nameof(lower));
        TransformInput.Elementwise(x, nameof(x));
        return new Constrained(x.Exp() + lower, TransformInput.RowSums(x));
    }

    /// <summary>The inverse, x = ln(y - a); y &lt;= a gives NaN or -infinity.</summary>
    /// <exception cref="ArgumentException">y is not (n) or (n, k), or the bound is NaN or infinite.</exception>
    public static Var Unconstrain(Var y, float lower)
    {
        TransformInput.Bound(lower, nameof(lower));
        TransformInput.Elementwise(y, nameof(y));
        return (y - lower).Log();
    }
}

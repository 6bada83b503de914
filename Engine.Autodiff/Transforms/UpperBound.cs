using TorchEbm.Autodiff;

namespace TorchEbm.Transforms;

/// <summary>A parameter below a finite upper bound b (Stan's <c>&lt;upper=b&gt;</c>): y = b - e^x, log |dy/dx| = x.</summary>
public static class UpperBound
{
    /// <summary>y = b - e^x element-wise for x of shape (n) or (n, k), and each row's log-Jacobian, the sum of its x.</summary>
    /// <exception cref="ArgumentException">x is not (n) or (n, k), or the bound is NaN or infinite.</exception>
    public static Constrained Constrain(Var x, float upper)
    {
        TransformInput.Bound(upper, nameof(upper));
        TransformInput.Elementwise(x, nameof(x));
        return new Constrained(upper - x.Exp(), TransformInput.RowSums(x));
    }

    /// <summary>The inverse, x = ln(b - y); y &gt;= b gives NaN or -infinity.</summary>
    /// <exception cref="ArgumentException">y is not (n) or (n, k), or the bound is NaN or infinite.</exception>
    public static Var Unconstrain(Var y, float upper)
    {
        TransformInput.Bound(upper, nameof(upper));
        TransformInput.Elementwise(y, nameof(y));
        return (upper - y).Log();
    }
}

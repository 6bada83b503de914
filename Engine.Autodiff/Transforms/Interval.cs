using TorchEbm.Autodiff;

namespace TorchEbm.Transforms;

/// <summary>
/// A parameter in an open interval (a, b) (Stan's <c>&lt;lower=a, upper=b&gt;</c>): the scaled logistic
/// y = a + (b - a) sigmoid(x), with log |dy/dx| = ln(b - a) + ln sigmoid(x) + ln(1 - sigmoid(x))
/// = ln(b - a) - softplus(-x) - softplus(x) (computed so, without underflow for large |x|).
/// </summary>
public static class Interval
{
    /// <summary>y = a + (b - a) sigmoid(x) element-wise for x of shape (n) or (n, k), and each row's log-Jacobian.</summary>
    /// <exception cref="ArgumentException">x is not (n) or (n, k); a bound is NaN or infinite, a &gt;= b, or b - a overflows.</exception>
    public static Constrained Constrain(Var x, float lower, float upper)
    {
        TransformInput.Interval(lower, upper, nameof(lower), nameof(upper));
        TransformInput.Elementwise(x, nameof(x));
        float width = upper - lower;
        Var value = width * x.Sigmoid() + lower;
        Var perElement = MathF.Log(width) - (-x).Softplus() - x.Softplus();
        return new Constrained(value, TransformInput.RowSums(perElement));
    }

    /// <summary>The inverse, x = logit((y - a) / (b - a)) = ln(y - a) - ln(b - y); y outside (a, b) gives NaN or infinity.</summary>
    /// <exception cref="ArgumentException">y is not (n) or (n, k); a bound is NaN or infinite, a &gt;= b, or b - a overflows.</exception>
    public static Var Unconstrain(Var y, float lower, float upper)
    {
        TransformInput.Interval(lower, upper, nameof(lower), nameof(upper));
        TransformInput.Elementwise(y, nameof(y));
        return (y - lower).Log() - (upper - y).Log();
    }
}

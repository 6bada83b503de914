using TorchEbm.Metrics;
using TorchEbm.Models;
using TorchEbm.Reductions;

namespace TorchEbm.Diagnostics;

/// <summary>
/// The kernel Stein discrepancy of a sample against a model's density p ~ exp(-E), which needs only the score
/// s = grad log p = -dE/dx, not the normalising constant (Liu, Lee and Jordan, 2016; Chwialkowski, Strathmann and
/// Gretton, 2016). With the inverse multiquadric kernel k(x, y) = (c^2 + |x - y|^2)^beta it detects non-convergence
/// to p (Gorham and Mackey, 2017), so it measures how well samples represent a model.
/// </summary>
public static class KernelSteinDiscrepancy
{
    /// <summary>
    /// The unbiased U-statistic of the squared KSD of <paramref name="samples"/> x_1..x_n against
    /// <paramref name="model"/>: KSD^2 = 1/(n(n-1)) sum over i != j of u(x_i, x_j), where, with r = x - y and
    /// q = c^2 + |r|^2, u(x, y) = s(x).s(y) k + s(x).grad_y k + s(y).grad_x k + trace(grad_x grad_y k)
    /// = s(x).s(y) q^beta + 2 beta q^(beta-1) (s(y) - s(x)).r - 2 beta d q^(beta-1) - 4 beta (beta-1) q^(beta-2) |r|^2.
    /// Its expectation is 0 exactly when the samples come from p, so an estimate can be slightly negative then.
    /// </summary>
    /// <remarks>
    /// The pairs are summed on the device in float32, each row in a fixed order and the row sums by a fixed-order
    /// reduction, so a call is reproducible bit for bit on one device. The work grows as n^2 d. The model's
    /// <see cref="BaseModel.Gradient(Tensor)"/> is evaluated once; the samples and the scores are each copied to the
    /// host once to be scanned for NaN and infinity.
    /// </remarks>
    /// <param name="model">The model whose density the samples should follow.</param>
    /// <param name="samples">x, shape (n, d) with n &gt;= 2, finite, on the model's device, d the model's dimension.</param>
    /// <param name="c">Kernel scale c: positive, with c^2 a normal float32 (c in about [1.1e-19, 1.8e19]).</param>
    /// <param name="beta">Kernel exponent: negative and finite. Beta in (-1, 0) is the range for which the IMQ KSD is
    /// known to detect non-convergence (Gorham and Mackey, 2017); beta &lt;= -1 still gives a valid kernel.</param>
    /// <returns>The squared KSD estimate (may be slightly negative).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="samples"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="model"/> or <paramref name="samples"/> is disposed.</exception>
    /// <exception cref="ArgumentException"><paramref name="samples"/> is not (n, d) on the model's device with the model's
    /// dimension, has fewer than two rows, or has a NaN or infinite element; <paramref name="c"/> or
    /// <paramref name="beta"/> is out of range (<see cref="ArgumentOutOfRangeException"/>).</exception>
    /// <exception cref="NotFiniteNumberException">The model's score is NaN or infinite at a sample, or the sum overflows
    /// float32 (samples or scores too large for the kernel).</exception>
    /// <exception cref="InvalidOperationException">The model's Gradient returns a tensor of the wrong shape or device.</exception>
    public static float Compute(BaseModel model, Tensor samples, float c = 1f, float beta = -0.5f)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.ValidateSamples(samples, nameof(samples));
        int n = samples.Dim(0), d = samples.Dim(1);
        if (n < 2)
            throw new ArgumentException($"samples needs at least two rows for the U-statistic, got shape {Shapes.Format(samples.Shape)}.", nameof(samples));
        Check.PositiveFinite(c);
        if (!float.IsNormal(c * c))
            throw new ArgumentOutOfRangeException(nameof(c), c, $"c^2 must be a normal float32 (c in about [1.1e-19, 1.8e19]), got c = {c}.");
        if (!(float.IsFinite(beta) && beta < 0f))
            throw new ArgumentOutOfRangeException(nameof(beta), beta, $"beta must be negative and finite, got {beta}.");
        Check.AllFinite(samples, nameof(samples));

        Device device = model.Device;
        using Tensor gradient = model.CheckedGradient(samples);
        float[] scores = gradient.ToArray();
        int bad = Check.FirstNonFinite(scores);
        if (bad >= 0)
            throw new NotFiniteNumberException(
                $"{model.GetType().Name}'s score at samples[{bad / d}, {bad % d}] is {-scores[bad]}: the KSD is undefined there.", -scores[bad]);

        using Tensor rows = device.Allocate([n]);
        device.Launch(KsdKernels.RowSums, n, samples.View, gradient.View, rows.View, d, c * c, beta);
        using Tensor total = Reduce.Sum(rows);
        double ksd = total.ToArray()[0] / ((double)n * (n - 1));
        if (!double.IsFinite(ksd))
            throw new NotFiniteNumberException(
                $"The KSD sum is {ksd} in float32: the samples or the scores of {model.GetType().Name} are too large for the kernel.", ksd);
        return (float)ksd;
    }
}

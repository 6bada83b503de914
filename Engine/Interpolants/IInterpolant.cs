namespace TorchEbm.Interpolants;

/// <summary>
/// A path between noise x0 ~ N(0, I) (t = 0) and data x1 (t = 1): x_t = alpha(t) x1 + sigma(t) x0, with the conditional
/// velocity u_t = alpha'(t) x1 + sigma'(t) x0 that flow matching regresses on (TorchEBM's <c>BaseInterpolant</c>).
/// </summary>
/// <remarks>Every time t must lie in [0, 1]: anything else (NaN included) throws <see cref="ArgumentOutOfRangeException"/>
/// before any work.</remarks>
public interface IInterpolant
{
    /// <summary>alpha(t), the data's coefficient (0 at t = 0, 1 at t = 1 for the linear and cosine paths).</summary>
    float Alpha(float t);

    /// <summary>d alpha / dt at <paramref name="t"/>.</summary>
    float AlphaDerivative(float t);

    /// <summary>sigma(t), the noise's coefficient.</summary>
    float Sigma(float t);

    /// <summary>d sigma / dt at <paramref name="t"/>.</summary>
    float SigmaDerivative(float t);

    /// <summary>
    /// x_t and the velocity target u_t for every row: row r of the (n, d) noise <paramref name="x0"/> and data
    /// <paramref name="x1"/> at time t[r] (<paramref name="t"/> has shape (n)). One kernel launch; the caller owns both results.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes or devices disagree, or a time is outside [0, 1] (checked with one read of
    /// <paramref name="t"/> to the host, before the launch).</exception>
    (Tensor Xt, Tensor Ut) Interpolate(Tensor x0, Tensor x1, Tensor t);

    /// <summary>x_t and u_t for every row at the one time <paramref name="t"/>.</summary>
    (Tensor Xt, Tensor Ut) Interpolate(Tensor x0, Tensor x1, float t);

    /// <summary>
    /// The probability-flow velocity of this path from its score: v(x, t) = PositionScale x + ScoreScale grad log p_t(x), with
    /// PositionScale = alpha'/alpha and ScoreScale = sigma^2 alpha'/alpha - sigma sigma' (from E[x0 | x_t] = -sigma score).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="t"/> is outside [0, 1] or alpha(t) is 0 (t = 0 on the
    /// linear and cosine paths: start a score-driven flow a little after 0).</exception>
    (float PositionScale, float ScoreScale) ScoreToVelocity(float t);
}

using TorchEbm.Kernels.Integrators;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Integrators;

/// <summary>
/// The Euler-Maruyama scheme for dx = f(x, t) dt + g(t) dW: x + h f(x, t) + g(t) sqrt(h) z, z ~ N(0, I); without a
/// diffusion it is the explicit Euler method. Order 1 on an ODE; on an SDE weak order 1 and strong order 1/2.
/// </summary>
/// <remarks>
/// One kernel per step adds drift and noise. The noise of row r at step k comes from Philox block (r, k, j / 4, call) keyed
/// by <see cref="Seed"/>, where call counts this integrator's stochastic integrations: the same seed reproduces the same
/// sequence of results bit for bit, and successive calls draw fresh noise.
/// </remarks>
/// <param name="seed">Philox key of the noise.</param>
public sealed class EulerMaruyama(long seed = 0) : Integrator
{
    private long _calls = -1;

    /// <summary>Philox key of the noise.</summary>
    public long Seed { get; } = seed;

    /// <inheritdoc />
    public override int Order => 1;

    /// <summary>
    /// Integrates the SDE dx = f(x, t) dt + g(t) dW from <paramref name="t0"/> to <paramref name="t1"/> in
    /// <paramref name="nSteps"/> equal steps and returns the final states as a new tensor (<paramref name="x"/> is left as it was).
    /// </summary>
    /// <param name="x">Initial states (n, d).</param>
    /// <param name="drift">f(x, t).</param>
    /// <param name="diffusion">g(t) &gt;= 0, the same for every coordinate; it is evaluated at every step's start time
    /// before anything is launched.</param>
    /// <param name="t0">Start time (finite).</param>
    /// <param name="t1">End time (finite, after or before <paramref name="t0"/>; the noise scale is g(t) sqrt(|h|)).</param>
    /// <param name="nSteps">Number of steps, at least 1.</param>
    /// <exception cref="ArgumentException">An argument is out of range, or g(t) is negative or not finite at a step.</exception>
    public Tensor Integrate(Tensor x, VectorField drift, Func<float, float> diffusion, float t0, float t1, int nSteps)
    {
        CheckArguments(x, drift, t0, t1, nSteps);
        ArgumentNullException.ThrowIfNull(diffusion);
        float h = (t1 - t0) / nSteps;
        var noise = new float[nSteps];
        for (int i = 0; i < nSteps; i++)
        {
            float g = diffusion(t0 + i * h);
            if (!(float.IsFinite(g) && g >= 0f))
                throw new ArgumentOutOfRangeException(nameof(diffusion), g, $"diffusion must return a finite g(t) >= 0, got {g} at t = {t0 + i * h}.");
            noise[i] = g * MathF.Sqrt(MathF.Abs(h));
        }
        uint call = (uint)Interlocked.Increment(ref _calls);
        var rng = Philox4x32.FromSeed(Seed);
        Tensor current = x.Clone();
        try
        {
            for (int i = 0; i < nSteps; i++)
            {
                using Tensor f = RungeKutta.Evaluate(drift, current, t0 + i * h);
                x.Device.Launch(IntegratorKernels.EulerMaruyamaStep, current.Dim(0), current.View, f.View, current.Dim(1), h, noise[i],
                    rng, (uint)i, call);
            }
            return current;
        }
        catch
        {
            current.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    private protected override void Step(Tensor x, VectorField drift, float t, float h, int step, Tensor next) =>
        RungeKutta.Step(ButcherTableau.Euler, x, drift, t, h, next);
}

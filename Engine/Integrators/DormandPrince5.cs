using TorchEbm.Kernels.Integrators;

namespace TorchEbm.Integrators;

/// <summary>
/// The adaptive Dormand-Prince 5(4) method (torchdiffeq's and TorchEBM's <c>dopri5</c>): fifth-order steps whose length is
/// controlled by the embedded fourth-order error estimate, so the local error of each step stays within
/// <see cref="Atol"/> + <see cref="Rtol"/> |x| (Hairer's scaled RMS norm over the whole batch at most 1).
/// </summary>
/// <remarks>
/// Seven stages per attempted step, six new evaluations (the last stage is the next step's first). After each attempt the
/// norm (one read of n floats) decides acceptance and the next length, h (0.9 norm^(-1/5)) within [h / 5, 5 h] (never
/// longer after a rejection); the last step is shortened to land on t1. More than <see cref="MaxSteps"/> attempts, or a
/// step shrunk below 1e-6 of the interval, throws <see cref="InvalidOperationException"/> rather than running on.
/// </remarks>
public sealed class DormandPrince5 : Integrator
{
    /// <summary>Creates the integrator.</summary>
    /// <param name="rtol">Relative tolerance, positive and finite.</param>
    /// <param name="atol">Absolute tolerance, positive and finite.</param>
    /// <param name="maxSteps">Most step attempts (accepted plus rejected) per integration, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public DormandPrince5(float rtol = 1e-5f, float atol = 1e-5f, int maxSteps = 10000)
    {
        Check.PositiveFinite(rtol);
        Check.PositiveFinite(atol);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSteps, 1);
        Rtol = rtol;
        Atol = atol;
        MaxSteps = maxSteps;
    }

    /// <summary>Relative tolerance.</summary>
    public float Rtol { get; }

    /// <summary>Absolute tolerance.</summary>
    public float Atol { get; }

    /// <summary>Most step attempts per integration.</summary>
    public int MaxSteps { get; }

    /// <inheritdoc />
    public override int Order => 5;

    /// <summary>
    /// Integrates from <paramref name="t0"/> to <paramref name="t1"/> adaptively, starting with a step of
    /// (t1 - t0) / <paramref name="nSteps"/>, and returns the final states with the step counts.
    /// </summary>
    /// <exception cref="ArgumentException">An argument is out of range (thrown before any launch).</exception>
    /// <exception cref="InvalidOperationException">The tolerance was not met within <see cref="MaxSteps"/> attempts, the step
    /// size underflowed, or the vector field returned a tensor of the wrong shape or device.</exception>
    public AdaptiveSolution Solve(Tensor x, VectorField drift, float t0, float t1, int nSteps = 100)
    {
        CheckArguments(x, drift, t0, t1, nSteps);
        Device device = x.Device;
        int n = x.Dim(0);
        double elements = (double)x.Length;
        Tensor current = x.Clone();
        Tensor next = device.AllocateLike(x), error = device.AllocateLike(x), rowErrors = device.Zeros(n);
        Tensor? first = null;
        try
        {
            int accepted = 0, rejected = 0, evaluations = 1;
            first = RungeKutta.Evaluate(drift, current, t0);
            double t = t0, span = (double)t1 - t0, h = span / nSteps, minStep = 1e-6 * Math.Abs(span);
            while (t != t1)
            {
                if (accepted + rejected >= MaxSteps)
                    throw new InvalidOperationException(
                        $"DormandPrince5 did not reach t1 = {t1} within maxSteps = {MaxSteps} step attempts (at t = {t}, step {h:G3}): " +
                        "raise maxSteps, or loosen rtol/atol if the field is stiff.");
                bool last = Math.Abs(h) >= Math.Abs(t1 - t);
                float step = last ? (float)(t1 - t) : (float)h;
                Tensor fsal = RungeKutta.Step(ButcherTableau.DormandPrince5, current, drift, (float)t, step, next, error, first, keepLast: true)!;
                evaluations += ButcherTableau.DormandPrince5.Stages - 1;
                device.Launch(IntegratorKernels.ScaledSquaredError, n, error.View, current.View, next.View, rowErrors.View, x.Dim(1), Atol, Rtol);
                double norm = Math.Sqrt(rowErrors.ToArray().Sum(e => (double)e) / elements);
                double factor = norm == 0 ? 5 : double.IsFinite(norm) ? Math.Clamp(0.9 * Math.Pow(norm, -0.2), 0.2, 5) : 0.2;
                if (norm <= 1)
                {
                    t = last ? t1 : t + step;
                    (current, next) = (next, current);
                    first.Dispose();
                    first = fsal;
                    accepted++;
                }
                else
                {
                    fsal.Dispose();
                    rejected++;
                    factor = Math.Min(factor, 1);
                }
                h = step * factor;
                if (t != t1 && Math.Abs(h) < minStep)
                    throw new InvalidOperationException(
                        $"DormandPrince5's step shrank to {h:G3} at t = {t} (below 1e-6 of the interval): the field is not smooth or not finite there.");
            }
            return new AdaptiveSolution(current, accepted, rejected, evaluations);
        }
        catch
        {
            current.Dispose();
            throw;
        }
        finally
        {
            first?.Dispose();
            next.Dispose();
            error.Dispose();
            rowErrors.Dispose();
        }
    }

    /// <inheritdoc />
    private protected override Tensor Run(Tensor x, VectorField drift, float t0, float t1, int nSteps) =>
        Solve(x, drift, t0, t1, nSteps).X;

    /// <inheritdoc />
    /// <remarks>A single fifth-order step of the pair, without error control.</remarks>
    private protected override void Step(Tensor x, VectorField drift, float t, float h, int step, Tensor next) =>
        RungeKutta.Step(ButcherTableau.DormandPrince5, x, drift, t, h, next);
}

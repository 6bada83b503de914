namespace TorchEbm.Integrators;

/// <summary>
/// A numerical integrator of dx/dt = f(x, t) over a batch of states (TorchEBM's <c>BaseIntegrator</c>): the base of
/// <see cref="EulerMaruyama"/>, <see cref="Heun"/>, <see cref="Midpoint"/>, <see cref="RungeKutta4"/> and
/// <see cref="DormandPrince5"/>; <see cref="Leapfrog"/> integrates Hamilton's equations instead.
/// </summary>
/// <remarks>
/// Host-side drivers over batched tensors: each step calls the vector field once per stage on the whole (n, d) batch and
/// combines the stages with device element-wise kernels, so every row advances in parallel and nothing is copied to the
/// host (except <see cref="DormandPrince5"/>'s one error norm per step, n floats, which its step-size control needs). All
/// rows share one time grid.
/// </remarks>
public abstract class Integrator
{
    /// <summary>Order p of the global error O(h^p) on a smooth ODE.</summary>
    public abstract int Order { get; }

    /// <summary>
    /// Integrates from <paramref name="t0"/> to <paramref name="t1"/> (either direction) in <paramref name="nSteps"/> equal
    /// steps (<see cref="DormandPrince5"/>: its first step is that long, then it adapts) and returns the final states as a new
    /// tensor; <paramref name="x"/> is left as it was.
    /// </summary>
    /// <param name="x">Initial states (n, d).</param>
    /// <param name="drift">f(x, t).</param>
    /// <param name="t0">Start time (finite).</param>
    /// <param name="t1">End time (finite).</param>
    /// <param name="nSteps">Number of steps, at least 1.</param>
    /// <exception cref="ArgumentException">An argument is out of range (thrown before any launch).</exception>
    /// <exception cref="InvalidOperationException"><paramref name="drift"/> returned a tensor of the wrong shape or device.</exception>
    public Tensor Integrate(Tensor x, VectorField drift, float t0, float t1, int nSteps)
    {
        CheckArguments(x, drift, t0, t1, nSteps);
        return Run(x, drift, t0, t1, nSteps);
    }

    /// <summary>The checks every integration makes before launching anything.</summary>
    private protected static void CheckArguments(Tensor x, VectorField drift, float t0, float t1, int nSteps)
    {
        ArgumentNullException.ThrowIfNull(x);
        Check.Batch(x, x.Device, nameof(x));
        ArgumentNullException.ThrowIfNull(drift);
        Check.Finite(t0);
        Check.Finite(t1);
        ArgumentOutOfRangeException.ThrowIfLessThan(nSteps, 1);
    }

    /// <summary>The integration itself, after the checks: by default <paramref name="nSteps"/> calls of <see cref="Step"/>.</summary>
    private protected virtual Tensor Run(Tensor x, VectorField drift, float t0, float t1, int nSteps)
    {
        float h = (t1 - t0) / nSteps;
        Tensor current = x.Clone(), next = x.Device.AllocateLike(x);
        try
        {
            for (int i = 0; i < nSteps; i++)
            {
                Step(current, drift, t0 + i * h, h, i, next);
                (current, next) = (next, current);
            }
            return current;
        }
        catch
        {
            current.Dispose();
            throw;
        }
        finally
        {
            next.Dispose();
        }
    }

    /// <summary>One step of length <paramref name="h"/> from (x, t) into <paramref name="next"/>; <paramref name="step"/> counts from 0.</summary>
    private protected abstract void Step(Tensor x, VectorField drift, float t, float h, int step, Tensor next);
}

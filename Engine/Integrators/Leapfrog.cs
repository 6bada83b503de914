using TorchEbm.Elementwise;

namespace TorchEbm.Integrators;

/// <summary>
/// The leapfrog (Stormer-Verlet, kick-drift-kick) integrator of Hamilton's equations for H = U(x) + |p|^2 / (2 m):
/// p -= (h / 2) dU/dx; x += h p / m; p -= (h / 2) dU/dx. Second order, symplectic and time-reversible, one gradient
/// evaluation per step (the end's gradient is reused by the next step's first half-kick).
/// </summary>
/// <remarks>A host-side driver over batched tensors for a caller's own gradient field; the samplers' HMC and NUTS run their
/// own fused leapfrog inside the chain kernel.</remarks>
public sealed class Leapfrog
{
    /// <summary>Order of the global error.</summary>
    public int Order => 2;

    /// <summary>
    /// <paramref name="nSteps"/> leapfrog steps of length <paramref name="stepSize"/> from (position, momentum); returns
    /// the new position and momentum (the caller owns both; the inputs are left as they were). The gradient field is
    /// called with t = 0, h, 2h, ... (the time of each position).
    /// </summary>
    /// <param name="position">x (n, d).</param>
    /// <param name="momentum">p (n, d).</param>
    /// <param name="gradient">dU/dx at x.</param>
    /// <param name="stepSize">h, finite and nonzero (negative runs backwards).</param>
    /// <param name="nSteps">Number of steps, at least 1.</param>
    /// <param name="mass">Scalar mass m, positive and finite.</param>
    /// <exception cref="ArgumentException">An argument is out of range (thrown before any launch).</exception>
    public (Tensor Position, Tensor Momentum) Integrate(Tensor position, Tensor momentum, VectorField gradient, float stepSize,
        int nSteps, float mass = 1f)
    {
        ArgumentNullException.ThrowIfNull(position);
        Check.Batch(position, position.Device, nameof(position));
        Check.Batch(momentum, position.Device, nameof(momentum));
        if (momentum.Dim(0) != position.Dim(0) || momentum.Dim(1) != position.Dim(1))
            throw new ArgumentException($"momentum must have the shape of position {Shapes.Format(position.Shape)}, got {Shapes.Format(momentum.Shape)}.", nameof(momentum));
        ArgumentNullException.ThrowIfNull(gradient);
        Check.Finite(stepSize);
        if (stepSize == 0f) throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "stepSize must be nonzero.");
        ArgumentOutOfRangeException.ThrowIfLessThan(nSteps, 1);
        Check.PositiveFinite(mass);

        Device device = position.Device;
        Tensor x = position.Clone(), p = momentum.Clone();
        Tensor? g = null;
        try
        {
            g = RungeKutta.Evaluate(gradient, x, 0f);
            for (int i = 0; i < nSteps; i++)
            {
                ElementwiseOps.AddScaled(device, g.View, p.View, -0.5f * stepSize);
                ElementwiseOps.AddScaled(device, p.View, x.View, stepSize / mass);
                g.Dispose();
                g = RungeKutta.Evaluate(gradient, x, (i + 1) * stepSize);
                ElementwiseOps.AddScaled(device, g.View, p.View, -0.5f * stepSize);
            }
            return (x, p);
        }
        catch
        {
            x.Dispose();
            p.Dispose();
            throw;
        }
        finally
        {
            g?.Dispose();
        }
    }
}

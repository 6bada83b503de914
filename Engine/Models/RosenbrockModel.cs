using TorchEbm.Energies;

namespace TorchEbm.Models;

/// <summary>Rosenbrock: E(x) = sum_{i &lt; d-1} (a - x_i)^2 + b (x_{i+1} - x_i^2)^2. Needs d &gt;= 2.</summary>
public sealed class RosenbrockModel : AnalyticModel<Rosenbrock>
{
    /// <summary>Creates the model (defaults a = 1, b = 100).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="b"/> is negative or a value is not finite.</exception>
    public RosenbrockModel(Device device, float a = 1f, float b = 100f) : base(device)
    {
        Check.Finite(a);
        Check.NonNegativeFinite(b);
        Energy = new Rosenbrock(a, b);
    }

    /// <inheritdoc />
    public override Rosenbrock Energy { get; }

    /// <inheritdoc />
    protected override int MinDim => 2;
}

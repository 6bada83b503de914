using TorchEbm.Energies;

namespace TorchEbm.Models;

/// <summary>Rastrigin: E(x) = a d + sum_i (x_i^2 - a cos(2 pi x_i)), many local minima, global minimum 0 at 0.</summary>
public sealed class RastriginModel : SeparableModel<Rastrigin>
{
    /// <summary>Creates the model with ripple amplitude <paramref name="a"/> &gt;= 0 (default 10).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="a"/> is negative or not finite.</exception>
    public RastriginModel(Device device, float a = 10f) : base(device)
    {
        Check.NonNegativeFinite(a);
        Energy = new Rastrigin(a);
    }

    /// <inheritdoc />
    public override Rastrigin Energy { get; }
}

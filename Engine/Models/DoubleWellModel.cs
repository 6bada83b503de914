using TorchEbm.Energies;

namespace TorchEbm.Models;

/// <summary>Double well: E(x) = a * sum_i (x_i^2 - b)^2, wells at x_i = +-sqrt(b). Any dimension.</summary>
public sealed class DoubleWellModel : SeparableModel<DoubleWell>
{
    /// <summary>Creates the model. <paramref name="a"/> &gt; 0 scales the barrier; <paramref name="b"/> places the wells.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="a"/> is not positive or a value is not finite.</exception>
    public DoubleWellModel(Device device, float a = 1f, float b = 2f) : base(device)
    {
        Check.PositiveFinite(a);
        Check.Finite(b);
        Energy = new DoubleWell(a, b);
    }

    /// <inheritdoc />
    public override DoubleWell Energy { get; }
}

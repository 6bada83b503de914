using TorchEbm.Energies;

namespace TorchEbm.Models;

/// <summary>Harmonic oscillator: E(x) = 0.5 k sum_i x_i^2, i.e. N(0, I / k). Any dimension.</summary>
public sealed class HarmonicModel : SeparableModel<Harmonic>
{
    /// <summary>Creates the model with spring constant <paramref name="k"/> &gt; 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is not positive and finite.</exception>
    public HarmonicModel(Device device, float k = 1f) : base(device)
    {
        Check.PositiveFinite(k);
        Energy = new Harmonic(k);
    }

    /// <inheritdoc />
    public override Harmonic Energy { get; }
}

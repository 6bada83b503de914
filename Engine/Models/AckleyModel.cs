using TorchEbm.Energies;

namespace TorchEbm.Models;

/// <summary>
/// Ackley: E(x) = -a exp(-b sqrt(mean x^2)) - exp(mean cos(c x)) + a + e, global minimum 0 at the origin, where
/// the gradient is the subgradient 0 (finite, unlike TorchEBM's NaN).
/// </summary>
public sealed class AckleyModel : AnalyticModel<Ackley>
{
    /// <summary>Creates the model (defaults a = 20, b = 0.2, c = 2 pi).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is negative or not finite.</exception>
    public AckleyModel(Device device, float a = 20f, float b = 0.2f, float c = 2f * MathF.PI) : base(device)
    {
        Check.NonNegativeFinite(a);
        Check.NonNegativeFinite(b);
        Check.Finite(c);
        Energy = new Ackley(a, b, c);
    }

    /// <inheritdoc />
    public override Ackley Energy { get; }
}

using TorchEbm.Kernels.Interpolants;

namespace TorchEbm.Interpolants;

/// <summary>x_t = sin(pi t / 2) x1 + cos(pi t / 2) x0: the geodesic variance-preserving (GVP) path, alpha^2 + sigma^2 = 1.</summary>
public sealed class CosineInterpolant : Interpolant<CosineSchedule>
{
    /// <summary>Creates the path.</summary>
    public CosineInterpolant() : base(new CosineSchedule()) { }
}

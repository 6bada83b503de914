namespace TorchEbm.Models;

/// <summary>How a <see cref="FieldEnergyModel"/> makes a scalar energy of a vector field f (TorchEBM's EqM energy types).</summary>
public enum FieldEnergy
{
    /// <summary>E(x) = x . f(x) (EqM-E "dot").</summary>
    Dot,

    /// <summary>E(x) = -||f(x)||^2 / 2 (EqM-E "l2").</summary>
    L2,
}

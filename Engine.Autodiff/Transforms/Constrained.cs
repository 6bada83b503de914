using TorchEbm.Autodiff;

namespace TorchEbm.Transforms;

/// <summary>
/// A constrained value computed from unconstrained coordinates, and the log absolute determinant of the transform's
/// Jacobian for each row (chain), shape (n). A model sampled on the unconstrained space adds
/// <see cref="LogJacobian"/> to its log density (subtracts it from its energy), as Stan does.
/// </summary>
/// <param name="Value">The constrained value: shape (n) or (n, k) as the transform says.</param>
/// <param name="LogJacobian">log |det J| of each row's transform, shape (n).</param>
/// <remarks>Both Vars are intermediates of the graph that computes an energy: disposing the energy frees them. A part
/// the energy does not use (say, the log-Jacobian of a value you only print) is yours to dispose.</remarks>
public readonly record struct Constrained(Var Value, Var LogJacobian);

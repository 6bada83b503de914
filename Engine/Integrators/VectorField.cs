namespace TorchEbm.Integrators;

/// <summary>
/// A time-dependent vector field f(x, t) over a batch: given the (n, d) states <paramref name="x"/> at time
/// <paramref name="t"/>, returns a new (n, d) tensor on the same device (the integrator disposes it when done). Drifts,
/// velocities, scores and forces are all vector fields.
/// </summary>
/// <remarks>It must not keep or modify <paramref name="x"/>: integrators reuse that memory.</remarks>
public delegate Tensor VectorField(Tensor x, float t);

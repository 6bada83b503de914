namespace TorchEbm.Integrators;

/// <summary>Heun's method (the explicit trapezoidal rule): k1 = f(x, t), k2 = f(x + h k1, t + h), x + h (k1 + k2) / 2. Second order, two evaluations per step.</summary>
public sealed class Heun : Integrator
{
    /// <inheritdoc />
    public override int Order => 2;

    /// <inheritdoc />
    private protected override void Step(Tensor x, VectorField drift, float t, float h, int step, Tensor next) =>
        RungeKutta.Step(ButcherTableau.Heun, x, drift, t, h, next);
}

namespace TorchEbm.Integrators;

/// <summary>The explicit midpoint method: k1 = f(x, t), x + h f(x + h k1 / 2, t + h / 2). Second order, two evaluations per step.</summary>
public sealed class Midpoint : Integrator
{
    /// <inheritdoc />
    public override int Order => 2;

    /// <inheritdoc />
    private protected override void Step(Tensor x, VectorField drift, float t, float h, int step, Tensor next) =>
        RungeKutta.Step(ButcherTableau.Midpoint, x, drift, t, h, next);
}

namespace TorchEbm.Integrators;

/// <summary>The classical fourth-order Runge-Kutta method (four evaluations per step).</summary>
public sealed class RungeKutta4 : Integrator
{
    /// <inheritdoc />
    public override int Order => 4;

    /// <inheritdoc />
    private protected override void Step(Tensor x, VectorField drift, float t, float h, int step, Tensor next) =>
        RungeKutta.Step(ButcherTableau.RungeKutta4, x, drift, t, h, next);
}

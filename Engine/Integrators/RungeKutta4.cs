namespace TorchEbm.Integrators;

/// <summary>The classical fourth-order Runge-Kutta method (four evaluations per step).</summary>
public sealed class RungeKutta4 : Integrator
{
    /// <inheritdoc />
    public override int Order => 4;

    /// <inheritdoc />
    private protected override ButcherTableau Tableau => ButcherTableau.RungeKutta4;
}

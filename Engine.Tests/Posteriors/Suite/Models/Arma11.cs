using TorchEbm.Autodiff;

namespace TorchEbm.Tests.Posteriors;

/// <summary>
/// posteriordb arma-arma11 (time series): nu_t = mu + phi y_(t-1) + theta err_(t-1), err_t = y_t - nu_t (nu_1 = mu + phi mu,
/// err_0 = 0), err ~ N(0, sigma), mu ~ N(0, 10), phi, theta ~ N(0, 2), sigma ~ Cauchy+(0, 2.5).
/// Unconstrained: mu, phi, theta, log sigma. The error recursion err_t = r_t - theta err_(t-1), with
/// r_t = y_t - mu - phi y_(t-1), runs as a doubling scan (<see cref="PosteriorModel.LinearRecurrence"/>).
/// </summary>
public sealed class Arma11 : PosteriorModel
{
    private readonly int _t;
    private readonly Var _y, _lagged, _first;

    /// <summary>Creates the model over the arma data.</summary>
    public Arma11(Device device, PosteriorData data) : base(device)
    {
        double[] y = data.Vector("y");
        _t = y.Length;
        _y = Row(y);
        _lagged = Row([0, .. y[..^1]]);                     // y_(t-1), 0 at t = 1 (where nu_1 uses mu instead)
        _first = Row([1, .. new double[_t - 1]]);           // picks t = 1
    }

    /// <inheritdoc />
    public override int Dimension => 4;

    /// <inheritdoc />
    public override IReadOnlyList<string> Quantities { get; } = ["mu", "phi", "theta", "sigma"];

    /// <inheritdoc />
    public override Var Energies(Var u)
    {
        Var mu = Coordinate(u, 0), phi = Coordinate(u, 1), theta = Coordinate(u, 2), logSigma = Coordinate(u, 3);
        Var r = _y - mu - phi * _lagged - (phi * mu) * _first;
        Var err = LinearRecurrence(r, -theta);
        Var logDensity = -0.5f * (err / logSigma.Exp()).Square().Sum(1)
                         - (_t - 1f) * logSigma.Sum(1)                                   // -T log sigma + log sigma (Jacobian)
                         - (1f + (logSigma.Exp() / 2.5f).Square()).Log().Sum(1)        // sigma ~ cauchy(0, 2.5)
                         - (mu.Square() / 200f + phi.Square() / 8f + theta.Square() / 8f).Sum(1);
        return -logDensity;
    }

    /// <inheritdoc />
    public override double[] Constrain(ReadOnlySpan<double> u) => [u[0], u[1], u[2], Math.Exp(u[3])];
}

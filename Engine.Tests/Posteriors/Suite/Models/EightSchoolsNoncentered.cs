using TorchEbm.Autodiff;

namespace TorchEbm.Tests.Posteriors;

/// <summary>
/// posteriordb eight_schools-eight_schools_noncentered (hierarchical): theta = mu + tau theta_trans, theta_trans ~ N(0, 1),
/// y_j ~ N(theta_j, sigma_j), mu ~ N(0, 5), tau ~ Cauchy+(0, 5). Unconstrained: theta_trans[1..J], mu, log tau.
/// </summary>
public sealed class EightSchoolsNoncentered : PosteriorModel
{
    private readonly int _j;
    private readonly Var _y, _sigma;

    /// <summary>Creates the model over the eight_schools data.</summary>
    public EightSchoolsNoncentered(Device device, PosteriorData data) : base(device)
    {
        _j = data.Integer("J");
        _y = Row(data.Vector("y"));
        _sigma = Row(data.Vector("sigma"));
        Quantities = [.. Enumerable.Range(1, _j).Select(j => $"theta[{j}]"), "mu", "tau"];
    }

    /// <inheritdoc />
    public override int Dimension => _j + 2;

    /// <inheritdoc />
    public override IReadOnlyList<string> Quantities { get; }

    /// <inheritdoc />
    public override Var Energies(Var u)
    {
        Var thetaTrans = u.Columns(0, _j), mu = Coordinate(u, _j), logTau = Coordinate(u, _j + 1), tau = logTau.Exp();
        Var theta = thetaTrans * tau + mu;
        Var z = (_y - theta) / _sigma;
        Var logDensity = -0.5f * thetaTrans.Square().Sum(1)
                         - 0.5f * z.Square().Sum(1)
                         - (mu.Square() / 50f).Sum(1)                       // mu ~ normal(0, 5)
                         - (1f + (tau / 5f).Square()).Log().Sum(1)          // tau ~ cauchy(0, 5)
                         + logTau.Sum(1);                                   // log |d tau / d log tau|
        return -logDensity;
    }

    /// <inheritdoc />
    public override double[] Constrain(ReadOnlySpan<double> u)
    {
        double mu = u[_j], tau = Math.Exp(u[_j + 1]);
        var q = new double[_j + 2];
        for (int j = 0; j < _j; j++) q[j] = mu + tau * u[j];
        q[_j] = mu;
        q[_j + 1] = tau;
        return q;
    }
}

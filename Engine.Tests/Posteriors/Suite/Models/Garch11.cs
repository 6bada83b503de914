using TorchEbm.Autodiff;

namespace TorchEbm.Tests.Posteriors;

/// <summary>
/// posteriordb garch-garch11 (time series): y_t ~ N(mu, sigma_t), sigma_1 given, sigma_t^2 = alpha0 + alpha1 (y_(t-1) - mu)^2
/// + beta1 sigma_(t-1)^2, alpha0 &gt; 0, alpha1 in (0, 1), beta1 in (0, 1 - alpha1), flat priors. Unconstrained: mu,
/// log alpha0, logit alpha1, logit(beta1 / (1 - alpha1)). The variance recursion runs as a doubling scan
/// (<see cref="PosteriorModel.LinearRecurrence"/>).
/// </summary>
public sealed class Garch11 : PosteriorModel
{
    private readonly Var _y, _lagged, _afterFirst, _start;

    /// <summary>Creates the model over the garch data.</summary>
    public Garch11(Device device, PosteriorData data) : base(device)
    {
        double[] y = data.Vector("y");
        double sigma1 = data.Scalar("sigma1");
        _y = Row(y);
        _lagged = Row([0, .. y[..^1]]);
        _afterFirst = Row([0, .. Enumerable.Repeat(1.0, y.Length - 1)]);
        _start = Row([sigma1 * sigma1, .. new double[y.Length - 1]]);
    }

    /// <inheritdoc />
    public override int Dimension => 4;

    /// <inheritdoc />
    public override IReadOnlyList<string> Quantities { get; } = ["mu", "alpha0", "alpha1", "beta1"];

    /// <inheritdoc />
    public override Var Energies(Var u)
    {
        Var mu = Coordinate(u, 0), logAlpha0 = Coordinate(u, 1), a1 = Coordinate(u, 2), b1 = Coordinate(u, 3);
        Var alpha1 = a1.Sigmoid(), logOneMinusAlpha1 = LogInvLogit(-a1), beta1 = (-a1).Sigmoid() * b1.Sigmoid();
        // sigma_t^2 = c_t + beta1 sigma_(t-1)^2 with c_1 = sigma1^2 and c_t = alpha0 + alpha1 (y_(t-1) - mu)^2 after it.
        Var c = (logAlpha0.Exp() + alpha1 * (_lagged - mu).Square()) * _afterFirst + _start;
        Var variance = LinearRecurrence(c, beta1);
        Var logDensity = -0.5f * ((_y - mu).Square() / variance).Sum(1) - 0.5f * variance.Log().Sum(1)
                         + (logAlpha0 + LogInvLogit(a1) + LogInvLogit(-a1)          // Jacobians: exp, logistic on (0, 1)
                            + logOneMinusAlpha1 + LogInvLogit(b1) + LogInvLogit(-b1)).Sum(1); // logistic on (0, 1 - alpha1)
        return -logDensity;
    }

    /// <inheritdoc />
    public override double[] Constrain(ReadOnlySpan<double> u)
    {
        double alpha1 = Logistic(u[2]);
        return [u[0], Math.Exp(u[1]), alpha1, (1 - alpha1) * Logistic(u[3])];
    }

    private static double Logistic(double v) => 1 / (1 + Math.Exp(-v));
}

using TorchEbm.Autodiff;

namespace TorchEbm.Tests.Posteriors;

/// <summary>
/// posteriordb low_dim_gauss_mix-low_dim_gauss_mix (mixture): y_n ~ theta N(mu_1, sigma_1) + (1 - theta) N(mu_2, sigma_2),
/// mu ordered, mu, sigma ~ N(0, 2), theta ~ Beta(5, 5). Unconstrained (Stan's order): mu_1, log(mu_2 - mu_1),
/// log sigma_1, log sigma_2, logit theta. log_mix(a, b) = log(e^a + e^b) is written a + softplus(b - a).
/// </summary>
public sealed class LowDimGaussMix : PosteriorModel
{
    private readonly Var _y;

    /// <summary>Creates the model over the low_dim_gauss_mix data.</summary>
    public LowDimGaussMix(Device device, PosteriorData data) : base(device) => _y = Row(data.Vector("y"));

    /// <inheritdoc />
    public override int Dimension => 5;

    /// <inheritdoc />
    public override IReadOnlyList<string> Quantities { get; } = ["mu[1]", "mu[2]", "sigma[1]", "sigma[2]", "theta"];

    /// <inheritdoc />
    public override Var Energies(Var u)
    {
        Var mu1 = Coordinate(u, 0), logGap = Coordinate(u, 1), logSigma1 = Coordinate(u, 2), logSigma2 = Coordinate(u, 3), t = Coordinate(u, 4);
        Var mu2 = mu1 + logGap.Exp(), sigma1 = logSigma1.Exp(), sigma2 = logSigma2.Exp();
        Var logTheta = LogInvLogit(t), logOneMinusTheta = LogInvLogit(-t);
        Var first = logTheta - logSigma1 - 0.5f * ((_y - mu1) / sigma1).Square();
        Var second = logOneMinusTheta - logSigma2 - 0.5f * ((_y - mu2) / sigma2).Square();
        Var logDensity = (first + (second - first).Softplus()).Sum(1)
                         - ((sigma1.Square() + sigma2.Square() + mu1.Square() + mu2.Square()) / 8f).Sum(1) // N(0, 2) priors
                         + (4f * logTheta + 4f * logOneMinusTheta).Sum(1)                             // Beta(5, 5)
                         + (logGap + logSigma1 + logSigma2 + logTheta + logOneMinusTheta).Sum(1);     // Jacobians
        return -logDensity;
    }

    /// <inheritdoc />
    public override double[] Constrain(ReadOnlySpan<double> u)
    {
        double theta = 1 / (1 + Math.Exp(-u[4]));
        return [u[0], u[0] + Math.Exp(u[1]), Math.Exp(u[2]), Math.Exp(u[3]), theta];
    }
}

using TorchEbm.Autodiff;

namespace TorchEbm.Tests.Posteriors;

/// <summary>
/// Gaussian linear regression y ~ N(X beta, sigma) with optional independent normal priors on the coefficients and a
/// <see cref="ScalePrior"/> on sigma: kidiq, mesquite, sblrc-blr, kilpisjarvi and arK (whose design matrix holds the
/// lagged series) are all this model. Unconstrained: beta[1..K], log sigma.
/// </summary>
public sealed class LinearRegression : PosteriorModel
{
    private readonly int _k, _n;
    private readonly Var _designTransposed, _y;
    private readonly Var? _priorMean, _priorSd;
    private readonly ScalePrior _sigmaPrior;

    /// <summary>Creates the model.</summary>
    /// <param name="device">The device.</param>
    /// <param name="design">Rows of the design matrix X (N, K), an intercept column included where the model has one.</param>
    /// <param name="y">The N responses.</param>
    /// <param name="coefficientNames">The K coefficients' names in the reference draws (e.g. beta[1], or alpha).</param>
    /// <param name="sigmaPrior">The prior of sigma.</param>
    /// <param name="priorMeans">Means of normal priors on the coefficients, or null for flat priors.</param>
    /// <param name="priorSds">Their sds (with <paramref name="priorMeans"/>).</param>
    public LinearRegression(Device device, double[][] design, double[] y, IReadOnlyList<string> coefficientNames, ScalePrior sigmaPrior,
        double[]? priorMeans = null, double[]? priorSds = null) : base(device)
    {
        _n = y.Length;
        _k = coefficientNames.Count;
        var xt = new double[_k, _n];
        for (int i = 0; i < _n; i++)
        for (int j = 0; j < _k; j++) xt[j, i] = design[i][j];
        _designTransposed = Matrix(xt);
        _y = Row(y);
        if (priorMeans is not null)
        {
            _priorMean = Row(priorMeans);
            _priorSd = Row(priorSds!);
        }
        _sigmaPrior = sigmaPrior;
        Quantities = [.. coefficientNames, "sigma"];
    }

    /// <inheritdoc />
    public override int Dimension => _k + 1;

    /// <inheritdoc />
    public override IReadOnlyList<string> Quantities { get; }

    /// <inheritdoc />
    public override Var Energies(Var u)
    {
        Var beta = u.Columns(0, _k), logSigma = Coordinate(u, _k), sigma = logSigma.Exp();
        Var z = (_y - beta.MatMul(_designTransposed)) / sigma;
        Var logDensity = -0.5f * z.Square().Sum(1) - (_n - 1f) * logSigma.Sum(1); // -N log sigma, + log sigma (Jacobian)
        if (_priorMean is not null) logDensity -= 0.5f * ((beta - _priorMean) / _priorSd!).Square().Sum(1);
        logDensity = _sigmaPrior.Kind switch
        {
            ScalePriorKind.Cauchy => logDensity - (1f + (sigma / (float)_sigmaPrior.Scale).Square()).Log().Sum(1),
            ScalePriorKind.Normal => logDensity - 0.5f * (sigma / (float)_sigmaPrior.Scale).Square().Sum(1),
            _ => logDensity,
        };
        return -logDensity;
    }

    /// <inheritdoc />
    public override double[] Constrain(ReadOnlySpan<double> u)
    {
        double[] q = u[.._k].ToArray();
        return [.. q, Math.Exp(u[_k])];
    }
}

using TorchEbm.Autodiff;

namespace TorchEbm.Tests.Posteriors;

/// <summary>
/// posteriordb gp_pois_regr-gp_regr (Gaussian process): y ~ MVN(0, K), K_ij = alpha^2 exp(-(x_i - x_j)^2 / (2 rho^2))
/// + sigma [i = j], rho ~ Gamma(25, 4), alpha ~ N+(0, 2), sigma ~ N+(0, 1). Unconstrained: log rho, log alpha, log sigma.
/// </summary>
/// <remarks>
/// Each chain needs log det K and y^T K^-1 y of its own K. Without batched Cholesky ops on the tape they come from
/// Gaussian elimination of the augmented matrix [[K, y], [y^T, 0]], every chain's matrix a row of flattened entries:
/// step j divides out the pivot p_j (= L_jj^2 of K's Cholesky factor) and updates the trailing block by the outer
/// product of the pivot row, A' = A[1:, 1:] - a a^T / p_j, where block selection and outer products are products with
/// constant 0/1 matrices. After N steps log det K = sum_j log p_j and the one entry left is -y^T K^-1 y.
/// TODO(transforms): use the batched Cholesky and triangular-solve tape ops once they land (fewer, cheaper launches).
/// </remarks>
public sealed class GaussianProcessRegression : PosteriorModel
{
    private readonly int _n;
    private readonly Var _distances, _kernelMask, _identity, _response;
    private readonly (Var Block, Var Left, Var Right)[] _steps;

    /// <summary>Creates the model over the gp_pois_regr data (x, y).</summary>
    public GaussianProcessRegression(Device device, PosteriorData data) : base(device)
    {
        double[] x = data.Vector("x"), y = data.Vector("y");
        _n = x.Length;
        int m = _n + 1;
        double[] distances = new double[m * m], mask = new double[m * m], identity = new double[m * m], response = new double[m * m];
        for (int i = 0; i < _n; i++)
        {
            for (int j = 0; j < _n; j++)
            {
                distances[i * m + j] = (x[i] - x[j]) * (x[i] - x[j]);
                mask[i * m + j] = 1;
            }
            identity[i * m + i] = 1;
            response[i * m + _n] = response[_n * m + i] = y[i];
        }
        (_distances, _kernelMask, _identity, _response) = (Row(distances), Row(mask), Row(identity), Row(response));
        _steps = [.. Enumerable.Range(0, _n).Select(j => Step(m - j))];
    }

    /// <summary>The constant selections of one elimination step on a (size, size) matrix flattened row-major.</summary>
    private (Var Block, Var Left, Var Right) Step(int size)
    {
        int s = size - 1;
        double[,] block = new double[size * size, s * s], left = new double[s, s * s], right = new double[s, s * s];
        for (int i = 0; i < s; i++)
        for (int j = 0; j < s; j++)
        {
            block[(i + 1) * size + j + 1, i * s + j] = 1; // A[1:, 1:]
            left[i, i * s + j] = 1;                     // a_i at (i, j)
            right[j, i * s + j] = 1;                    // a_j at (i, j)
        }
        return (Matrix(block), Matrix(left), Matrix(right));
    }

    /// <inheritdoc />
    public override int Dimension => 3;

    /// <inheritdoc />
    public override IReadOnlyList<string> Quantities { get; } = ["rho", "alpha", "sigma"];

    /// <inheritdoc />
    public override Var Energies(Var u)
    {
        Var logRho = Coordinate(u, 0), logAlpha = Coordinate(u, 1), logSigma = Coordinate(u, 2);
        Var rho = logRho.Exp(), alpha = logAlpha.Exp(), sigma = logSigma.Exp();
        Var kernel = (2f * logAlpha - (-2f * logRho).Exp() * 0.5f * _distances).Exp() * _kernelMask;
        Var a = kernel + sigma * _identity + _response;
        Var logDeterminant = null!;
        for (int j = 0; j < _n; j++)
        {
            (Var block, Var left, Var right) = _steps[j];
            int size = _n + 1 - j;
            Var pivot = a.Columns(0, 1), row = a.Columns(1, size - 1);
            logDeterminant = j == 0 ? pivot.Log() : logDeterminant + pivot.Log();
            a = a.MatMul(block) - row.MatMul(left) * row.MatMul(right) / pivot;
        }
        // a is now (n, 1): -y^T K^-1 y.
        Var logDensity = 0.5f * a.Sum(1) - 0.5f * logDeterminant.Sum(1)
                         + (24f * logRho - 4f * rho - alpha.Square() / 8f - sigma.Square() / 2f).Sum(1) // Gamma(25, 4), N(0, 2), N(0, 1)
                         + (logRho + logAlpha + logSigma).Sum(1);                                        // Jacobians
        return -logDensity;
    }

    /// <inheritdoc />
    public override double[] Constrain(ReadOnlySpan<double> u) => [Math.Exp(u[0]), Math.Exp(u[1]), Math.Exp(u[2])];
}

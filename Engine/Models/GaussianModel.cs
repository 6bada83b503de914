using MathNet.Numerics.LinearAlgebra;
using TorchEbm.Energies;

namespace TorchEbm.Models;

/// <summary>
/// Multivariate normal N(mean, cov): E(x) = 0.5 (x - mean)^T cov^-1 (x - mean). The covariance is checked to be
/// symmetric positive definite (Cholesky, in float64) and its inverse, the precision, is kept on the device.
/// </summary>
public sealed class GaussianModel : AnalyticModel<Gaussian>
{
    private readonly Tensor _mean;
    private readonly Tensor _precision;

    /// <summary>Creates the model for samples of dimension mean.Length.</summary>
    /// <exception cref="ArgumentException">
    /// <paramref name="mean"/> is empty or not finite, <paramref name="cov"/> is not d x d, not finite, not symmetric,
    /// or not positive definite.
    /// </exception>
    public GaussianModel(Device device, float[] mean, float[,] cov) : base(device)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(cov);
        int d = mean.Length;
        if (d == 0) throw new ArgumentException("mean must have at least one element.", nameof(mean));
        if (!mean.All(float.IsFinite)) throw new ArgumentException("mean must be finite.", nameof(mean));
        if (cov.GetLength(0) != d || cov.GetLength(1) != d)
            throw new ArgumentException(
                $"cov must have shape ({d}, {d}) to match mean of shape ({d},), got ({cov.GetLength(0)}, {cov.GetLength(1)}).", nameof(cov));

        float[] precision = Precision(cov, d);
        using (DisposeScope.Suspend()) // the model owns its constants
        {
            _mean = device.FromArray(mean, d);
            try { _precision = device.FromArray(precision, d, d); }
            catch
            {
                _mean.Dispose();
                throw;
            }
        }
        Energy = new Gaussian(_mean.View, _precision.View);
    }

    /// <inheritdoc />
    public override int? Dim => _mean.Length;

    /// <inheritdoc />
    public override Gaussian Energy { get; }

    /// <inheritdoc />
    public override void Dispose()
    {
        _mean.Dispose();
        _precision.Dispose();
        base.Dispose();
    }

    /// <summary>cov^-1 in float64 through its Cholesky factor, after checking symmetry and positive definiteness.</summary>
    private static float[] Precision(float[,] cov, int d)
    {
        var matrix = Matrix<double>.Build.Dense(d, d, (i, j) => cov[i, j]);
        if (!matrix.Enumerate().All(double.IsFinite))
            throw new ArgumentException("cov must be finite.", nameof(cov));
        double scale = matrix.Enumerate().Max(Math.Abs);
        for (int i = 0; i < d; i++)
        for (int j = i + 1; j < d; j++)
            if (Math.Abs(matrix[i, j] - matrix[j, i]) > 1e-6 * scale)
                throw new ArgumentException(
                    $"cov must be symmetric, but cov[{i}, {j}] = {cov[i, j]} and cov[{j}, {i}] = {cov[j, i]}.", nameof(cov));

        MathNet.Numerics.LinearAlgebra.Factorization.Cholesky<double> cholesky;
        try { cholesky = matrix.Cholesky(); }
        catch (ArgumentException e)
        {
            throw new ArgumentException("cov must be positive definite (its Cholesky factorisation failed).", nameof(cov), e);
        }
        Matrix<double> inverse = cholesky.Solve(Matrix<double>.Build.DenseIdentity(d));
        var flat = new float[d * d];
        for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            flat[i * d + j] = (float)(0.5 * (inverse[i, j] + inverse[j, i])); // exactly symmetric
        return flat;
    }
}

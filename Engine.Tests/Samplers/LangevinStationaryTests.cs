using MathNet.Numerics.LinearAlgebra;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>
/// Final states of many independent chains against the exact stationary law of the unadjusted discretisation
/// (Gaussian) and against quadrature of exp(-E / s^2) (double well).
/// </summary>
public sealed class LangevinStationaryTests(DeviceKind kind) : DeviceTest(kind)
{
    private static readonly float[] Mean = [1f, -1f];
    private static readonly float[,] Cov = { { 1f, 0.5f }, { 0.5f, 2f } };

    /// <summary>
    /// For x' = x - h P (x - m) + sqrt(2h) xi the stationary law is N(m, S) with S = A S A^T + 2h I, A = I - h P:
    /// mean and every covariance entry must be within 4 standard errors. At h = 0.1 the continuous covariance
    /// must be rejected by the same statistic, so the test sees the discretisation bias.
    /// </summary>
    [TestCase(0.01f, 3000)]
    [TestCase(0.1f, 400)]
    public void Gaussian_FinalStates_MatchDiscreteStationaryLaw(float h, int steps)
    {
        const int chains = 40000;
        using var model = new GaussianModel(Device, Mean, Cov);
        var sampler = new LangevinDynamics(model, stepSize: h, noiseScale: 1f, seed: 2026);
        using Tensor samples = sampler.Sample(dim: 2, nSteps: steps, nSamples: chains);
        float[,] x = samples.ToArray2D();

        Matrix<double> sigma = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0.5 }, { 0.5, 2 } });
        Matrix<double> s = DiscreteLyapunov(sigma.Inverse(), h);
        (double[] mean, double[,] cov) = Moments(x);

        for (int i = 0; i < 2; i++)
        {
            double se = Math.Sqrt(s[i, i] / chains);
            Assert.That(Math.Abs(mean[i] - Mean[i]) / se, Is.LessThan(4), $"mean[{i}] = {mean[i]}");
        }
        double worstContinuous = 0;
        for (int i = 0; i < 2; i++)
        for (int j = i; j < 2; j++)
        {
            double se = Math.Sqrt((s[i, i] * s[j, j] + s[i, j] * s[i, j]) / chains);
            Assert.That(Math.Abs(cov[i, j] - s[i, j]) / se, Is.LessThan(4), $"cov[{i},{j}] = {cov[i, j]} vs discrete {s[i, j]}");
            worstContinuous = Math.Max(worstContinuous, Math.Abs(cov[i, j] - sigma[i, j]) / se);
        }
        if (h >= 0.1f)
            Assert.That(worstContinuous, Is.GreaterThan(4), "at h = 0.1 the statistic must tell S from the continuous covariance");
    }

    /// <summary>1-D double well (a = 1, b = 2): KS test of final states against exp(-E / s^2) by quadrature, alpha = 0.01.</summary>
    [TestCase(1.0f)]
    [TestCase(0.7f)]
    public void DoubleWell_FinalStates_PassKsAgainstQuadrature(float noiseScale)
    {
        const int chains = 20000;
        using var model = new DoubleWellModel(Device, a: 1f, b: 2f);
        var sampler = new LangevinDynamics(model, stepSize: 0.001f, noiseScale: noiseScale, seed: 99);
        using Tensor samples = sampler.Sample(dim: 1, nSteps: 5000, nSamples: chains);
        float[] x = samples.ToArray();

        double temperature = noiseScale * (double)noiseScale;
        Func<double, double> cdf = QuadratureCdf(v => (v * v - 2) * (v * v - 2) / temperature, -4, 4, 40001);
        Assert.That(Statistics.KsStatistic(x, cdf), Is.LessThan(Statistics.KsCritical01));
    }

    /// <summary>Solves S = A S A^T + 2h I with A = I - h P by fixed-point iteration (A is a contraction).</summary>
    internal static Matrix<double> DiscreteLyapunov(Matrix<double> precision, double h)
    {
        int d = precision.RowCount;
        Matrix<double> a = Matrix<double>.Build.DenseIdentity(d) - h * precision;
        Matrix<double> q = 2 * h * Matrix<double>.Build.DenseIdentity(d);
        Matrix<double> s = q.Clone();
        for (int k = 0; k < 200000; k++)
        {
            Matrix<double> next = a * s * a.Transpose() + q;
            if ((next - s).FrobeniusNorm() < 1e-14) return next;
            s = next;
        }
        return s;
    }

    internal static (double[] Mean, double[,] Cov) Moments(float[,] x)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var mean = new double[d];
        for (int r = 0; r < n; r++)
        for (int i = 0; i < d; i++) mean[i] += x[r, i] / (double)n;
        var cov = new double[d, d];
        for (int r = 0; r < n; r++)
        for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) cov[i, j] += (x[r, i] - mean[i]) * (x[r, j] - mean[j]) / (n - 1);
        return (mean, cov);
    }

    /// <summary>The CDF of exp(-energy) on [lo, hi] by the trapezoid rule on a fine grid, interpolated linearly.</summary>
    internal static Func<double, double> QuadratureCdf(Func<double, double> energy, double lo, double hi, int points)
    {
        double dx = (hi - lo) / (points - 1);
        var cdf = new double[points];
        double previous = Math.Exp(-energy(lo));
        for (int k = 1; k < points; k++)
        {
            double current = Math.Exp(-energy(lo + k * dx));
            cdf[k] = cdf[k - 1] + 0.5 * (previous + current) * dx;
            previous = current;
        }
        double total = cdf[^1];
        return v =>
        {
            if (v <= lo) return 0;
            if (v >= hi) return 1;
            double position = (v - lo) / dx;
            int k = Math.Min((int)position, points - 2);
            double frac = position - k;
            return (cdf[k] + frac * (cdf[k + 1] - cdf[k])) / total;
        };
    }
}

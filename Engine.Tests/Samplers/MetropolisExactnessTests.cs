using MathNet.Numerics.LinearAlgebra;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>
/// MALA and HMC target exp(-E) exactly: final states of many independent chains match the TRUE law where unadjusted
/// Langevin at the same step is visibly biased.
/// </summary>
public sealed class MetropolisExactnessTests(DeviceKind kind) : DeviceTest(kind)
{
    private const int Chains = 20000, Dim = 5;
    private static readonly float[] Mean = [1f, -1f, 0.5f, 0f, 2f];

    /// <summary>A non-diagonal covariance, eigenvalues 0.11 to 1.6 (precision eigenvalues 0.62 to 9.1).</summary>
    private static float[,] Covariance()
    {
        var l = new double[,] { { 1, 0, 0, 0, 0 }, { 0.5, 0.8, 0, 0, 0 }, { -0.3, 0.4, 0.9, 0, 0 }, { 0.2, -0.2, 0.3, 0.6, 0 }, { 0.1, 0.3, -0.4, 0.2, 0.7 } };
        Matrix<double> m = Matrix<double>.Build.DenseOfArray(l);
        Matrix<double> s = m * m.Transpose();
        var cov = new float[Dim, Dim];
        for (int i = 0; i < Dim; i++)
        for (int j = 0; j < Dim; j++) cov[i, j] = (float)s[i, j];
        return cov;
    }

    private static IEnumerable<TestCaseData> GaussianSamplers()
    {
        yield return new TestCaseData((Func<BaseModel, Sampler>)(m => new MetropolisAdjustedLangevin(m, 0.15f, seed: 11)), 600)
            .SetArgDisplayNames("MALA h=0.15");
        yield return new TestCaseData((Func<BaseModel, Sampler>)(m => new HamiltonianMonteCarlo(m, 0.3f, 8, seed: 12)), 150)
            .SetArgDisplayNames("HMC eps=0.3 L=8");
    }

    private static IEnumerable<TestCaseData> DoubleWellSamplers()
    {
        // The wells' curvature is 20: steps well inside the stable range, enough of them to mix within each well.
        yield return new TestCaseData((Func<BaseModel, Sampler>)(m => new MetropolisAdjustedLangevin(m, 0.02f, seed: 21)), 1000)
            .SetArgDisplayNames("MALA h=0.02");
        yield return new TestCaseData((Func<BaseModel, Sampler>)(m => new HamiltonianMonteCarlo(m, 0.1f, 10, seed: 22)), 200)
            .SetArgDisplayNames("HMC eps=0.1 L=10");
    }

    /// <summary>
    /// Mean and every covariance entry of 20000 final states within 4 standard errors of the true N(m, S); unadjusted
    /// Langevin at h = 0.15 (stable: h times the largest precision eigenvalue, 9.1, is 1.4 &lt; 2) is more than 4 standard
    /// errors off on some entry (its discretisation bias).
    /// </summary>
    [TestCaseSource(nameof(GaussianSamplers))]
    public void Gaussian5D_FinalStates_MatchTheTrueLaw(Func<BaseModel, Sampler> create, int steps)
    {
        float[,] cov = Covariance();
        using var model = new GaussianModel(Device, Mean, cov);
        Sampler sampler = create(model);
        using ChainResult result = sampler.SampleChain(Dim, steps, Chains);
        (double worstMean, double worstCov) = Deviations(result.Samples.ToArray2D(), cov);
        Assert.That(worstMean, Is.LessThan(4), "worst mean deviation in standard errors");
        Assert.That(worstCov, Is.LessThan(4), "worst covariance deviation in standard errors");
        Assert.That(result.Info!.MeanAcceptance, Is.InRange(0.3f, 0.99f), "the step is neither trivial nor hopeless");

        using Tensor biased = new LangevinDynamics(model, 0.15f, seed: 13).Sample(dim: Dim, nSteps: 600, nSamples: Chains);
        Assert.That(Deviations(biased.ToArray2D(), cov).Cov, Is.GreaterThan(4), "unadjusted Langevin at h = 0.15 is biased");
    }

    /// <summary>1-D double well exp(-(x^2 - 2)^2): KS against quadrature at alpha = 0.01.</summary>
    [TestCaseSource(nameof(DoubleWellSamplers))]
    public void DoubleWell_FinalStates_PassKsAgainstQuadrature(Func<BaseModel, Sampler> create, int steps)
    {
        using var model = new DoubleWellModel(Device, a: 1f, b: 2f);
        using Tensor samples = create(model).Sample(dim: 1, nSteps: steps, nSamples: Chains);
        Func<double, double> cdf = LangevinStationaryTests.QuadratureCdf(v => (v * v - 2) * (v * v - 2), -4, 4, 40001);
        Assert.That(Statistics.KsStatistic(samples.ToArray(), cdf), Is.LessThan(Statistics.KsCritical01));
    }

    /// <summary>Largest |estimate - truth| / standard error over the mean and over the covariance entries.</summary>
    private static (double Mean, double Cov) Deviations(float[,] x, float[,] s)
    {
        (double[] mean, double[,] cov) = LangevinStationaryTests.Moments(x);
        int n = x.GetLength(0);
        double worstMean = 0, worstCov = 0;
        for (int i = 0; i < Dim; i++)
        {
            worstMean = Math.Max(worstMean, Math.Abs(mean[i] - Mean[i]) / Math.Sqrt(s[i, i] / (double)n));
            for (int j = i; j < Dim; j++)
            {
                double se = Math.Sqrt(((double)s[i, i] * s[j, j] + (double)s[i, j] * s[i, j]) / n);
                worstCov = Math.Max(worstCov, Math.Abs(cov[i, j] - s[i, j]) / se);
            }
        }
        return (worstMean, worstCov);
    }
}

using TorchEbm.Integrators;
using TorchEbm.Interpolants;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>
/// FlowSampler from N(0, I) to a Gaussian target N(m, S), where the path x_t = alpha x1 + sigma x0 has Gaussian marginals
/// N(alpha m, Sigma_t = alpha^2 S + sigma^2 I) and the exact velocity v = alpha' m + (alpha' alpha S + sigma' sigma I)
/// Sigma_t^-1 (x - alpha m) and score -Sigma_t^-1 (x - alpha m) (computed here in float64 on the host, as a user's model
/// would be): the samples' mean and covariance must match the marginal at the interval's end within 4 standard errors
/// (mean: sqrt(S_ii / n); covariance entry: sqrt((S_ii S_jj + S_ij^2) / n)).
/// </summary>
public sealed class FlowSamplerTests(DeviceKind kind) : DeviceTest(kind)
{
    private static readonly double[] M = [1.0, -0.5];
    private static readonly double[,] S = { { 2.0, 0.6 }, { 0.6, 0.5 } };
    private const int N = 20000;

    /// <summary>The marginal at t: mean alpha m, covariance alpha^2 S + sigma^2 I.</summary>
    private static (double[] Mean, double[,] Cov) Marginal(IInterpolant path, float t)
    {
        double a = path.Alpha(t), s = path.Sigma(t);
        return ([a * M[0], a * M[1]], new[,] { { a * a * S[0, 0] + s * s, a * a * S[0, 1] }, { a * a * S[1, 0], a * a * S[1, 1] + s * s } });
    }

    /// <summary>The exact velocity or score of the path at (x, t), row by row on the host.</summary>
    private VectorField Exact(IInterpolant path, FlowPrediction prediction) => (x, t) =>
    {
        double a = path.Alpha(t), s = path.Sigma(t), da = path.AlphaDerivative(t), ds = path.SigmaDerivative(t);
        (_, double[,] c) = Marginal(path, t);
        double det = c[0, 0] * c[1, 1] - c[0, 1] * c[1, 0];
        double[,] inv = { { c[1, 1] / det, -c[0, 1] / det }, { -c[1, 0] / det, c[0, 0] / det } };
        double[,] k = { { da * a * S[0, 0] + ds * s, da * a * S[0, 1] }, { da * a * S[1, 0], da * a * S[1, 1] + ds * s } };
        float[] xs = x.ToArray(), output = new float[xs.Length];
        for (int r = 0; r < xs.Length / 2; r++)
        {
            double y0 = xs[2 * r] - a * M[0], y1 = xs[2 * r + 1] - a * M[1];
            double w0 = inv[0, 0] * y0 + inv[0, 1] * y1, w1 = inv[1, 0] * y0 + inv[1, 1] * y1; // Sigma_t^-1 (x - alpha m)
            if (prediction == FlowPrediction.Score)
            {
                output[2 * r] = (float)-w0;
                output[2 * r + 1] = (float)-w1;
            }
            else
            {
                output[2 * r] = (float)(da * M[0] + k[0, 0] * w0 + k[0, 1] * w1);
                output[2 * r + 1] = (float)(da * M[1] + k[1, 0] * w0 + k[1, 1] * w1);
            }
        }
        return x.Device.FromArray(output, x.Dim(0), 2);
    };

    /// <summary>Exact draws of the marginal at t (Cholesky of its covariance times standard normals).</summary>
    private Tensor MarginalDraws(IInterpolant path, float t, long seed)
    {
        (double[] mean, double[,] c) = Marginal(path, t);
        double l00 = Math.Sqrt(c[0, 0]), l10 = c[1, 0] / l00, l11 = Math.Sqrt(c[1, 1] - l10 * l10);
        using Tensor z = Device.Randn(N, 2, seed);
        float[] zs = z.ToArray(), xs = new float[zs.Length];
        for (int r = 0; r < N; r++)
        {
            xs[2 * r] = (float)(mean[0] + l00 * zs[2 * r]);
            xs[2 * r + 1] = (float)(mean[1] + l10 * zs[2 * r] + l11 * zs[2 * r + 1]);
        }
        return Device.FromArray(xs, N, 2);
    }

    private static void AssertMatches(Tensor samples, double[] mean, double[,] cov)
    {
        float[,] x = samples.ToArray2D();
        int n = x.GetLength(0);
        double[] m = new double[2];
        for (int r = 0; r < n; r++)
        for (int j = 0; j < 2; j++) m[j] += x[r, j] / n;
        double[,] c = new double[2, 2];
        for (int r = 0; r < n; r++)
        for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) c[i, j] += (x[r, i] - m[i]) * (x[r, j] - m[j]) / (n - 1);
        for (int i = 0; i < 2; i++)
        {
            Assert.That(Math.Abs(m[i] - mean[i]) / Math.Sqrt(cov[i, i] / n), Is.LessThan(4), $"mean[{i}] = {m[i]}, expected {mean[i]}");
            for (int j = 0; j < 2; j++)
            {
                double se = Math.Sqrt((cov[i, i] * cov[j, j] + cov[i, j] * cov[i, j]) / n);
                Assert.That(Math.Abs(c[i, j] - cov[i, j]) / se, Is.LessThan(4), $"cov[{i}, {j}] = {c[i, j]}, expected {cov[i, j]}");
            }
        }
    }

    private static IEnumerable<TestCaseData> VelocityCases()
    {
        yield return new TestCaseData(new LinearInterpolant(), new RungeKutta4()).SetArgDisplayNames("Linear", "RungeKutta4");
        yield return new TestCaseData(new LinearInterpolant(), null).SetArgDisplayNames("Linear", "DormandPrince5");
        yield return new TestCaseData(new CosineInterpolant(), new Heun()).SetArgDisplayNames("Cosine", "Heun");
    }

    /// <summary>The velocity ODE from the sampler's own N(0, I) noise (exact at t = 0 for these paths) lands on N(m, S).</summary>
    [TestCaseSource(nameof(VelocityCases))]
    public void VelocityOde_GaussianToGaussian_ReproducesTheTarget(IInterpolant path, Integrator? integrator)
    {
        var sampler = new FlowSampler(Device, Exact(path, FlowPrediction.Velocity), interpolant: path, integrator: integrator, seed: 3);
        using Tensor samples = sampler.Sample(dim: 2, nSteps: 20, nSamples: N);
        AssertMatches(samples, M, S);
    }

    /// <summary>A score model through the variance-preserving path's conversion, from exact draws at t = eps to t = 1 - eps.</summary>
    [Test]
    public void ScoreOde_VariancePreserving_ReproducesTheMarginal()
    {
        var path = new VariancePreservingInterpolant();
        var sampler = new FlowSampler(Device, Exact(path, FlowPrediction.Score), FlowPrediction.Score, path, new RungeKutta4(), timeEpsilon: 1e-2f);
        (float t0, float t1) = sampler.Interval;
        using Tensor start = MarginalDraws(path, t0, seed: 4);
        using Tensor samples = sampler.Sample(dim: 2, nSteps: 40, nSamples: N, initialSamples: start);
        (double[] mean, double[,] cov) = Marginal(path, t1);
        AssertMatches(samples, mean, cov);
    }

    /// <summary>
    /// The SDE dx = [v + D score] dt + sqrt(2 D) dW (score from the velocity through the linear path) keeps the marginals;
    /// Euler-Maruyama's bias is O(h): at 25 steps it shows as 5.4 standard errors in a covariance entry (measured), so at
    /// 400 steps about a third of one.
    /// </summary>
    [Test, Category("Slow")]
    public void VelocitySde_Linear_ReproducesTheMarginal()
    {
        var path = new LinearInterpolant();
        var sampler = new FlowSampler(Device, Exact(path, FlowPrediction.Velocity), interpolant: path, diffusion: 0.5f, timeEpsilon: 1e-2f, seed: 5);
        (float t0, float t1) = sampler.Interval;
        using Tensor start = MarginalDraws(path, t0, seed: 6);
        using Tensor samples = sampler.Sample(dim: 2, nSteps: 400, nSamples: N, initialSamples: start);
        (double[] mean, double[,] cov) = Marginal(path, t1);
        AssertMatches(samples, mean, cov);
    }

    [Test]
    public void SameSeed_IsBitIdentical_AndSuccessiveCallsDiffer()
    {
        var path = new LinearInterpolant();
        VectorField model = Exact(path, FlowPrediction.Velocity);
        var first = new FlowSampler(Device, model, integrator: new Heun(), seed: 9);
        using Tensor a = first.Sample(dim: 2, nSteps: 4, nSamples: 8);
        using Tensor b = new FlowSampler(Device, model, integrator: new Heun(), seed: 9).Sample(dim: 2, nSteps: 4, nSamples: 8);
        using Tensor c = first.Sample(dim: 2, nSteps: 4, nSamples: 8);
        Assert.That(b.ToArray(), Is.EqualTo(a.ToArray()));
        Assert.That(c.ToArray(), Is.Not.EqualTo(a.ToArray()));
    }

    [Test]
    public void BadArguments_Throw()
    {
        VectorField zero = (x, _) => x.Device.Zeros(x.Dim(0), x.Dim(1));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new FlowSampler(Device, zero, diffusion: -1f))!.ParamName, Is.EqualTo("diffusion"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new FlowSampler(Device, zero, timeEpsilon: 0f))!.ParamName, Is.EqualTo("timeEpsilon"));
        Assert.That(Assert.Throws<ArgumentException>(() => _ = new FlowSampler(Device, zero, integrator: new Heun(), diffusion: 1f))!.ParamName, Is.EqualTo("integrator"));
        var sampler = new FlowSampler(Device, zero, integrator: new Heun());
        using Tensor wrong = Device.Zeros(3, 2);
        long launches = Device.LaunchCount;
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Sample(dim: 0, nSteps: 4, nSamples: 3))!.ParamName, Is.EqualTo("dim"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Sample(dim: 2, nSteps: 0, nSamples: 3))!.ParamName, Is.EqualTo("nSteps"));
        Assert.That(Assert.Throws<ArgumentException>(() => sampler.Sample(dim: 2, nSteps: 4, nSamples: 4, initialSamples: wrong))!.ParamName,
            Is.EqualTo("initialSamples"));
        Assert.That(Device.LaunchCount, Is.EqualTo(launches));
    }
}

using TorchEbm.Integrators;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Integrators;

/// <summary>
/// Euler-Maruyama on the Ornstein-Uhlenbeck SDE dX = -theta X dt + s dW from X0 = 2, whose scheme has exact moments:
/// mean X0 (1 - theta h)^N, variance s^2 h sum_{i&lt;N} (1 - theta h)^(2i); the continuous process has mean X0 e^(-theta T).
/// </summary>
public sealed class EulerMaruyamaTests(DeviceKind kind) : DeviceTest(kind)
{
    private const float Theta = 1f, Noise = 0.5f, X0 = 2f, T = 1f;
    private const int Rows = 1000, Cols = 100; // 100 000 independent paths

    private VectorField Drift => (x, _) => Device.FromArray(x.ToArray().Select(v => -Theta * v).ToArray(), x.Dim(0), x.Dim(1));

    private (double Mean, double Variance) Moments(EulerMaruyama integrator, int nSteps)
    {
        using Tensor x = Device.Full(X0, Rows, Cols);
        using Tensor y = integrator.Integrate(x, Drift, _ => Noise, 0f, T, nSteps);
        double[] v = y.ToArray().Select(f => (double)f).ToArray();
        double mean = v.Average();
        return (mean, v.Sum(a => (a - mean) * (a - mean)) / (v.Length - 1));
    }

    /// <summary>Sample mean and variance within 4 standard errors of the scheme's exact moments (noise scale and drift right).</summary>
    [Test]
    public void OrnsteinUhlenbeck_Moments_MatchTheSchemesExactMoments()
    {
        const int n = 10;
        double h = T / n, a = 1 - Theta * h;
        double mean = X0 * Math.Pow(a, n), variance = 0;
        for (int i = 0; i < n; i++) variance += Noise * Noise * h * Math.Pow(a, 2 * i);
        (double m, double v) = Moments(new EulerMaruyama(seed: 11), n);
        double count = Rows * Cols;
        Assert.That(Math.Abs(m - mean) / Math.Sqrt(variance / count), Is.LessThan(4), $"mean {m} vs {mean}");
        Assert.That(Math.Abs(v - variance) / (variance * Math.Sqrt(2 / (count - 1))), Is.LessThan(4), $"variance {v} vs {variance}");
    }

    /// <summary>
    /// Weak order 1: the error of the mean against the continuous process, e(h) = |E X_T - X0 e^(-theta T)|, halves with h.
    /// At 5, 10, 20 steps the biases are 0.080, 0.038, 0.019 and their standard error 0.001, so log2 of the ratio is 1
    /// within +-0.2 (its sampling spread is about 0.06, its O(h) correction below 0.1).
    /// </summary>
    [Test]
    public void OrnsteinUhlenbeck_WeakOrder_IsOne()
    {
        var integrator = new EulerMaruyama(seed: 12);
        double exact = X0 * Math.Exp(-Theta * T);
        double[] errors = new[] { 5, 10, 20 }.Select(n => Math.Abs(Moments(integrator, n).Mean - exact)).ToArray();
        Assert.That(Math.Log2(errors[0] / errors[1]), Is.EqualTo(1).Within(0.2), $"errors {string.Join(", ", errors)}");
        Assert.That(Math.Log2(errors[1] / errors[2]), Is.EqualTo(1).Within(0.2), $"errors {string.Join(", ", errors)}");
    }

    [Test]
    public void SameSeed_IsBitIdentical_AndSuccessiveCallsDiffer()
    {
        using Tensor x = Device.Zeros(7, 5);
        float[] Run(EulerMaruyama em)
        {
            using Tensor y = em.Integrate(x, Drift, _ => 1f, 0f, 1f, 3);
            return y.ToArray();
        }
        var first = new EulerMaruyama(seed: 5);
        float[] a = Run(first), b = Run(new EulerMaruyama(seed: 5)), c = Run(first);
        Assert.That(b, Is.EqualTo(a));
        Assert.That(c, Is.Not.EqualTo(a));
    }

    [Test]
    public void WithoutDiffusion_IsDeterministicEuler()
    {
        using Tensor x = Device.Full(1f, 2, 3);
        using Tensor y = new EulerMaruyama().Integrate(x, Drift, _ => 0f, 0f, 1f, 4);
        using Tensor z = new EulerMaruyama().Integrate(x, Drift, 0f, 1f, 4);
        float expected = MathF.Pow(0.75f, 4);
        Assert.That(y.ToArray(), Is.All.EqualTo(expected).Within(1e-6));
        Assert.That(z.ToArray(), Is.All.EqualTo(expected).Within(1e-6));
    }
}

using MathNet.Numerics.LinearAlgebra;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>
/// GradientDescentSampler and NesterovSampler on quadratics, where both are linear recursions with closed forms computed
/// here in float64 (x_k - m = (I - h P)^k (x_0 - m) for descent), on the double well's known minima, and fused against
/// step by step.
/// </summary>
public sealed class DescentSamplerTests(DeviceKind kind) : DeviceTest(kind)
{
    private static readonly float[] Mean = [1f, -2f];
    private static readonly float[,] Cov = { { 1f, 0.3f }, { 0.3f, 0.5f } };

    private Tensor Starts(int chains, long seed) => Device.Randn(chains, 2, seed);

    private static Matrix<double> Precision => Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0.3 }, { 0.3, 0.5 } }).Inverse();

    [Test]
    public void GradientDescent_OnAGaussian_FollowsTheClosedForm()
    {
        const float h = 0.2f;
        const int steps = 25, chains = 9;
        using var model = new GaussianModel(Device, Mean, Cov);
        using Tensor x0 = Starts(chains, 1);
        using Tensor x = new GradientDescentSampler(model, stepSize: h).Sample(dim: 2, nSteps: steps, nSamples: chains,
            options: new SampleOptions { InitialSamples = x0 });
        Matrix<double> a = (Matrix<double>.Build.DenseIdentity(2) - h * Precision).Power(steps);
        float[,] start = x0.ToArray2D(), end = x.ToArray2D();
        for (int c = 0; c < chains; c++)
        {
            Vector<double> expected = a * Vector<double>.Build.Dense([start[c, 0] - Mean[0], start[c, 1] - Mean[1]]);
            for (int j = 0; j < 2; j++)
                Assert.That(end[c, j], Is.EqualTo(Mean[j] + expected[j]).Within(2e-5), $"chain {c}, coordinate {j}");
        }
    }

    /// <summary>The recursion y = x + mu v, v' = mu v - h P (y - m), x' = x + v', v_0 = 0, run in float64.</summary>
    [Test]
    public void Nesterov_OnAGaussian_FollowsTheClosedForm()
    {
        const float h = 0.2f, mu = 0.7f;
        const int steps = 30, chains = 9;
        using var model = new GaussianModel(Device, Mean, Cov);
        using Tensor x0 = Starts(chains, 2);
        using Tensor x = new NesterovSampler(model, stepSize: h, momentum: mu).Sample(dim: 2, nSteps: steps, nSamples: chains,
            options: new SampleOptions { InitialSamples = x0 });
        float[,] start = x0.ToArray2D(), end = x.ToArray2D();
        Vector<double> m = Vector<double>.Build.Dense([Mean[0], Mean[1]]);
        for (int c = 0; c < chains; c++)
        {
            Vector<double> xs = Vector<double>.Build.Dense([start[c, 0], start[c, 1]]), v = Vector<double>.Build.Dense(2);
            for (int k = 0; k < steps; k++)
            {
                Vector<double> y = xs + mu * v;
                v = mu * v - h * (Precision * (y - m));
                xs += v;
            }
            for (int j = 0; j < 2; j++) Assert.That(end[c, j], Is.EqualTo(xs[j]).Within(2e-5), $"chain {c}, coordinate {j}");
        }
    }

    /// <summary>
    /// Condition number 100 (curvatures 1 and 100), h = 1 / L: descent contracts the slow direction by 0.99 per step, Nesterov
    /// with mu = (10 - 1) / (10 + 1) by about 0.9. After 100 steps descent keeps ~0.99^100 = 0.37 of the slow error, Nesterov
    /// less than 1e-3 of it.
    /// </summary>
    [Test]
    public void Nesterov_IllConditioned_ConvergesAtTheAcceleratedRate()
    {
        using var model = new GaussianModel(Device, [0f, 0f], new float[,] { { 1f, 0f }, { 0f, 0.01f } });
        using Tensor x0 = Device.FromArray(new float[,] { { 1f, 1f } });
        var options = new SampleOptions { InitialSamples = x0 };
        using Tensor descent = new GradientDescentSampler(model, stepSize: 0.01f).Sample(dim: 2, nSteps: 100, nSamples: 1, options: options);
        using Tensor nesterov = new NesterovSampler(model, stepSize: 0.01f, momentum: 9f / 11f).Sample(dim: 2, nSteps: 100, nSamples: 1, options: options);
        Assert.That(descent.ToArray()[0], Is.EqualTo(Math.Pow(0.99, 100)).Within(1e-4), "descent's slow coordinate");
        Assert.That(Math.Abs(nesterov.ToArray()[0]), Is.LessThan(1e-3), "Nesterov's slow coordinate");
        Assert.That(Math.Abs(nesterov.ToArray()[1]), Is.LessThan(1e-3), "Nesterov's fast coordinate");
    }

    /// <summary>E = sum (x_i^2 - 2)^2 has its minima at x_i = +-sqrt(2), curvature 16 there: from N(0, I), h = 0.01 and 400
    /// steps, every coordinate not started within 1e-3 of the ridge at 0 lands on the minimum of its side.</summary>
    [Test]
    public void BothSamplers_OnTheDoubleWell_ReachTheMinimumOnEachSide()
    {
        using var model = new DoubleWellModel(Device, a: 1f, b: 2f);
        using Tensor x0 = Device.Randn(64, 3, seed: 3);
        float[] start = x0.ToArray();
        foreach (Sampler sampler in new Sampler[] { new GradientDescentSampler(model, stepSize: 0.01f), new NesterovSampler(model, stepSize: 0.01f, momentum: 0.5f) })
        {
            using Tensor x = sampler.Sample(dim: 3, nSteps: 400, nSamples: 64, options: new SampleOptions { InitialSamples = x0 });
            float[] end = x.ToArray();
            for (int i = 0; i < end.Length; i++)
            {
                if (Math.Abs(start[i]) < 1e-3) continue;
                Assert.That(end[i], Is.EqualTo(Math.Sign(start[i]) * Math.Sqrt(2)).Within(1e-4), $"{sampler.GetType().Name}, element {i}");
            }
        }
    }

    [Test]
    public void Nesterov_StepByStep_MatchesFused()
    {
        using var model = new GaussianModel(Device, Mean, Cov);
        using var opaque = new OpaqueModel(model);
        using Tensor x0 = Starts(17, 4);
        var options = new SampleOptions { InitialSamples = x0, WarmupSteps = 3 };
        using Tensor fused = new NesterovSampler(model, stepSize: 0.1f).Sample(dim: 2, nSteps: 20, nSamples: 17, options: options);
        using Tensor stepped = new NesterovSampler(opaque, stepSize: 0.1f).Sample(dim: 2, nSteps: 20, nSamples: 17, options: options);
        float[] a = fused.ToArray(), b = stepped.ToArray();
        for (int i = 0; i < a.Length; i++) Assert.That(b[i], Is.EqualTo(a[i]).Within(1e-5), $"element {i}");
    }

    [Test]
    public void Nesterov_WarmupThenSampling_EqualsOneLongerRun()
    {
        using var model = new GaussianModel(Device, Mean, Cov);
        using Tensor x0 = Starts(5, 5);
        var sampler = new NesterovSampler(model, stepSize: 0.1f, momentum: 0.8f);
        using Tensor split = sampler.Sample(dim: 2, nSteps: 7, nSamples: 5, options: new SampleOptions { InitialSamples = x0, WarmupSteps = 5 });
        using Tensor whole = sampler.Sample(dim: 2, nSteps: 12, nSamples: 5, options: new SampleOptions { InitialSamples = x0 });
        Assert.That(split.ToArray(), Is.EqualTo(whole.ToArray()).Within(1e-6), "the velocity must carry over from warm-up");
    }

    [TestCase(1f)]
    [TestCase(-0.1f)]
    [TestCase(float.NaN)]
    public void Nesterov_MomentumOutsideUnitInterval_Throws(float momentum)
    {
        using var model = new HarmonicModel(Device);
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new NesterovSampler(model, stepSize: 0.1f, momentum: momentum))!.ParamName,
            Is.EqualTo("momentum"));
    }

    [TestCase(0f)]
    [TestCase(-1f)]
    [TestCase(float.PositiveInfinity)]
    public void BadStepSize_Throws(float stepSize)
    {
        using var model = new HarmonicModel(Device);
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new GradientDescentSampler(model, stepSize: stepSize));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new NesterovSampler(model, stepSize: stepSize));
    }
}

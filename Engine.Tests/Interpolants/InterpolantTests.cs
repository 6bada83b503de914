using TorchEbm.Interpolants;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Interpolants;

/// <summary>
/// The three interpolants against their closed forms (computed here in float64), their derivatives against finite
/// differences of their own values, the batched kernel against the scalar coefficients, the score-to-velocity conversion
/// against the exact velocity field of a Gaussian, and bad times refused before any launch.
/// </summary>
public sealed class InterpolantTests(DeviceKind kind) : DeviceTest(kind)
{
    private static readonly float[] Times = [0f, 0.1f, 0.25f, 0.5f, 0.8f, 0.95f, 1f];

    private static IEnumerable<TestCaseData> Paths()
    {
        yield return new TestCaseData(new LinearInterpolant()).SetArgDisplayNames("Linear");
        yield return new TestCaseData(new CosineInterpolant()).SetArgDisplayNames("Cosine");
        yield return new TestCaseData(new VariancePreservingInterpolant()).SetArgDisplayNames("VariancePreserving");
        yield return new TestCaseData(new VariancePreservingInterpolant(sigmaMin: 0.5f, sigmaMax: 5f)).SetArgDisplayNames("VariancePreserving-0.5-5");
    }

    /// <summary>alpha(t), sigma(t) in float64 from the published formulas.</summary>
    private static (double Alpha, double Sigma) ClosedForm(IInterpolant path, double t) => path switch
    {
        LinearInterpolant => (t, 1 - t),
        CosineInterpolant => (Math.Sin(Math.PI * t / 2), Math.Cos(Math.PI * t / 2)),
        VariancePreservingInterpolant vp => VpClosedForm(vp.SigmaMin, vp.SigmaMax, t),
        _ => throw new ArgumentException("unknown path"),
    };

    private static (double, double) VpClosedForm(double min, double max, double t)
    {
        double alpha = Math.Exp(-0.25 * (1 - t) * (1 - t) * (max - min) - 0.5 * (1 - t) * min);
        return (alpha, Math.Sqrt(1 - alpha * alpha));
    }

    [TestCaseSource(nameof(Paths))]
    public void Coefficients_MatchClosedForm(IInterpolant path)
    {
        foreach (float t in Times)
        {
            (double alpha, double sigma) = ClosedForm(path, t);
            Assert.That(path.Alpha(t), Is.EqualTo(alpha).Within(2e-6 + 2e-6 * Math.Abs(alpha)), $"alpha({t})");
            Assert.That(path.Sigma(t), Is.EqualTo(sigma).Within(2e-6 + 2e-6 * Math.Abs(sigma)), $"sigma({t})");
        }
    }

    [TestCase(0f, 0f, 1f)]
    [TestCase(1f, 1f, 0f)]
    public void LinearAndCosine_Endpoints_AreNoiseAndData(float t, float alpha, float sigma)
    {
        foreach (IInterpolant path in new IInterpolant[] { new LinearInterpolant(), new CosineInterpolant() })
        {
            Assert.That(path.Alpha(t), Is.EqualTo(alpha).Within(1e-7), path.GetType().Name);
            Assert.That(path.Sigma(t), Is.EqualTo(sigma).Within(1e-7), path.GetType().Name);
        }
    }

    /// <summary>
    /// Derivatives against the five-point central difference of the path's own float values with h = 0.01: truncation
    /// h^4 |f^(5)| / 30 and rounding ~ 1.5 eps |f| / h are both below 1e-4 here, so 1e-3 (1 + |f'|) is a loose bound that a
    /// wrong sign or factor still fails by orders of magnitude. VP's sigma' is skipped near t = 1, where it is infinite.
    /// </summary>
    [TestCaseSource(nameof(Paths))]
    public void Derivatives_MatchFiniteDifferences(IInterpolant path)
    {
        const float h = 0.01f;
        foreach (float t in new[] { 0.05f, 0.2f, 0.5f, 0.7f, 0.9f })
        {
            double dAlpha = FivePoint(path.Alpha, t, h), dSigma = FivePoint(path.Sigma, t, h);
            Assert.That(path.AlphaDerivative(t), Is.EqualTo(dAlpha).Within(1e-3 * (1 + Math.Abs(dAlpha))), $"alpha'({t})");
            Assert.That(path.SigmaDerivative(t), Is.EqualTo(dSigma).Within(1e-3 * (1 + Math.Abs(dSigma))), $"sigma'({t})");
        }
    }

    private static double FivePoint(Func<float, float> f, float t, float h) =>
        ((double)f(t - 2 * h) - 8.0 * f(t - h) + 8.0 * f(t + h) - f(t + 2 * h)) / (12.0 * h);

    [TestCaseSource(nameof(Paths))]
    public void Interpolate_PerRowTimes_MatchesScalarCoefficients(IInterpolant path)
    {
        const int n = 33, d = 3;
        using Tensor x0 = Device.Randn(n, d, seed: 1), x1 = Device.Randn(n, d, seed: 2);
        float[] times = Enumerable.Range(0, n).Select(r => r / (float)(n - 1) * 0.98f).ToArray();
        using Tensor t = Device.FromArray(times, n);
        (Tensor xt, Tensor ut) = path.Interpolate(x0, x1, t);
        using (xt)
        using (ut)
        {
            float[,] noise = x0.ToArray2D(), data = x1.ToArray2D(), xs = xt.ToArray2D(), us = ut.ToArray2D();
            for (int r = 0; r < n; r++)
            for (int j = 0; j < d; j++)
            {
                float tr = times[r];
                double expectedX = path.Alpha(tr) * (double)data[r, j] + path.Sigma(tr) * (double)noise[r, j];
                double expectedU = path.AlphaDerivative(tr) * (double)data[r, j] + path.SigmaDerivative(tr) * (double)noise[r, j];
                Assert.That(xs[r, j], Is.EqualTo(expectedX).Within(1e-5 * (1 + Math.Abs(expectedX))), $"x_t[{r}, {j}]");
                Assert.That(us[r, j], Is.EqualTo(expectedU).Within(1e-5 * (1 + Math.Abs(expectedU))), $"u_t[{r}, {j}]");
            }
        }
    }

    [Test]
    public void Interpolate_OneTime_IsTheLinearPath()
    {
        using Tensor x0 = Device.Randn(5, 2, seed: 3), x1 = Device.Randn(5, 2, seed: 4);
        (Tensor xt, Tensor ut) = new LinearInterpolant().Interpolate(x0, x1, 0.3f);
        using (xt)
        using (ut)
        {
            float[] noise = x0.ToArray(), data = x1.ToArray(), xs = xt.ToArray(), us = ut.ToArray();
            for (int i = 0; i < noise.Length; i++)
            {
                Assert.That(xs[i], Is.EqualTo(0.3 * data[i] + 0.7 * noise[i]).Within(1e-5));
                Assert.That(us[i], Is.EqualTo(data[i] - noise[i]).Within(1e-5));
            }
        }
    }

    /// <summary>
    /// Data N(m, s^2) in one dimension: x_t ~ N(alpha m, alpha^2 s^2 + sigma^2) and the exact velocity field is
    /// E[u_t | x_t = x] = alpha' m + (alpha' alpha s^2 + sigma' sigma) (x - alpha m) / (alpha^2 s^2 + sigma^2) (Gaussian
    /// conditioning); PositionScale x + ScoreScale score(x) must equal it.
    /// </summary>
    [TestCaseSource(nameof(Paths))]
    public void ScoreToVelocity_GaussianData_IsTheExactVelocityField(IInterpolant path)
    {
        const double m = 1.5, s = 0.4;
        foreach (float t in new[] { 0.1f, 0.5f, 0.9f })
        foreach (double x in new[] { -2.0, 0.3, 1.7 })
        {
            double alpha = path.Alpha(t), sigma = path.Sigma(t), dAlpha = path.AlphaDerivative(t), dSigma = path.SigmaDerivative(t);
            double variance = alpha * alpha * s * s + sigma * sigma;
            double exact = dAlpha * m + (dAlpha * alpha * s * s + dSigma * sigma) * (x - alpha * m) / variance;
            double score = -(x - alpha * m) / variance;
            (float positionScale, float scoreScale) = path.ScoreToVelocity(t);
            double velocity = positionScale * x + scoreScale * score;
            Assert.That(velocity, Is.EqualTo(exact).Within(1e-4 * (1 + Math.Abs(exact))), $"t = {t}, x = {x}");
        }
    }

    [TestCaseSource(nameof(Paths))]
    public void ScalarTime_OutsideUnitInterval_Throws(IInterpolant path)
    {
        foreach (float t in new[] { -0.01f, 1.01f, float.NaN, float.PositiveInfinity })
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => path.Alpha(t), $"Alpha({t})");
            Assert.Throws<ArgumentOutOfRangeException>(() => path.SigmaDerivative(t), $"SigmaDerivative({t})");
            Assert.Throws<ArgumentOutOfRangeException>(() => path.ScoreToVelocity(t), $"ScoreToVelocity({t})");
        }
    }

    [TestCaseSource(nameof(Paths))]
    public void Interpolate_TimeOutsideUnitInterval_ThrowsBeforeAnyLaunch(IInterpolant path)
    {
        using Tensor x0 = Device.Zeros(4, 2), x1 = Device.Zeros(4, 2);
        using Tensor t = Device.FromArray([0.2f, 0.5f, 1.5f, 0.1f], 4);
        using Tensor nan = Device.FromArray([0.2f, float.NaN, 0.5f, 0.1f], 4);
        long launches = Device.LaunchCount;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => path.Interpolate(x0, x1, t));
        Assert.That(error!.ParamName, Is.EqualTo("t"));
        Assert.That(error.Message, Does.Contain("t[2]"));
        Assert.Throws<ArgumentOutOfRangeException>(() => path.Interpolate(x0, x1, nan));
        Assert.Throws<ArgumentOutOfRangeException>(() => path.Interpolate(x0, x1, -0.5f));
        Assert.That(Device.LaunchCount, Is.EqualTo(launches), "nothing may be launched before the check");
    }

    [Test]
    public void Interpolate_MismatchedShapes_ThrowArgumentException()
    {
        var path = new LinearInterpolant();
        using Tensor x0 = Device.Zeros(4, 2), x1 = Device.Zeros(4, 3), x1Rows = Device.Zeros(3, 2);
        using Tensor t = Device.Full(0.5f, 4), tShort = Device.Full(0.5f, 3);
        Assert.That(Assert.Throws<ArgumentException>(() => path.Interpolate(x0, x1, t))!.ParamName, Is.EqualTo("x1"));
        Assert.That(Assert.Throws<ArgumentException>(() => path.Interpolate(x0, x1Rows, t))!.ParamName, Is.EqualTo("x1"));
        Assert.That(Assert.Throws<ArgumentException>(() => path.Interpolate(x0, x0, tShort))!.ParamName, Is.EqualTo("t"));
    }

    [TestCase(0f, 20f)]
    [TestCase(-1f, 20f)]
    [TestCase(0.1f, 0.1f)]
    [TestCase(0.1f, float.NaN)]
    public void VariancePreserving_BadBounds_Throw(float sigmaMin, float sigmaMax) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new VariancePreservingInterpolant(sigmaMin, sigmaMax));

    [Test]
    public void ScoreToVelocity_WhereAlphaIsZero_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearInterpolant().ScoreToVelocity(0f));
}

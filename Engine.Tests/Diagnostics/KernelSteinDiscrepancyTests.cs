using MathNet.Numerics.LinearAlgebra;
using TorchEbm.Diagnostics;
using TorchEbm.Models;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Diagnostics;

/// <summary>
/// The squared KSD against a float64 host U-statistic with the analytic Gaussian score, its calibration on exact draws
/// from the model and on shifted ones, argument checks before any launch, and bit-for-bit reproducibility.
/// </summary>
public sealed class KernelSteinDiscrepancyTests(DeviceKind kind) : DeviceTest(kind)
{
    private static readonly float[] Mean = [1f, -0.5f, 0.3f];
    private static readonly float[,] Cov = { { 1.5f, 0.4f, 0f }, { 0.4f, 1f, -0.2f }, { 0f, -0.2f, 0.7f } };

    private GaussianModel NewModel() => new(Device, Mean, Cov);

    [TestCase(1f, -0.5f)]
    [TestCase(2f, -0.3f)]
    [TestCase(0.5f, -0.8f)]
    public void Compute_MatchesFloat64HostUStatistic(float c, float beta)
    {
        using GaussianModel model = NewModel();
        using Tensor samples = Device.Randn(200, 3, seed: 7); // N(0, I): not the model's law, so KSD^2 is clearly positive
        double expected = HostKsd(samples.ToArray(), 200, c, beta);
        float actual = KernelSteinDiscrepancy.Compute(model, samples, c, beta);
        TestContext.Out.WriteLine($"c {c}, beta {beta}: device {actual:E6}, float64 host {expected:E6}");
        Assert.That(actual, Is.EqualTo(expected).Within(1e-4 * Math.Abs(expected)));
    }

    [Test]
    public void Compute_IsNearZeroOnModelDraws_AndAboveTheNullBarWhenShifted()
    {
        const int n = 1000, seeds = 20;
        using GaussianModel model = NewModel();
        // The null sd is estimated empirically: the sample sd of KSD^2 over 20 independent exact draws from the model
        // (seeds 1..20). The draws tested below (seed 100) are not among them.
        double[] nulls = Enumerable.Range(1, seeds).Select(seed => (double)KsdOfDraws(model, n, seed, shift: 0f)).ToArray();
        double nullMean = nulls.Average();
        double nullSd = Math.Sqrt(nulls.Sum(v => (v - nullMean) * (v - nullMean)) / (seeds - 1));
        double bar = 3 * nullSd;

        float same = KsdOfDraws(model, n, seed: 100, shift: 0f);
        float shifted = KsdOfDraws(model, n, seed: 100, shift: 0.5f);
        TestContext.Out.WriteLine(
            $"null mean {nullMean:E3}, null sd {nullSd:E3}, bar {bar:E3}; exact draws {same:E3} ({Math.Abs(same) / nullSd:F2} sd), " +
            $"shifted {shifted:E3} ({shifted / bar:F1} x bar)");
        Assert.That(Math.Abs(same), Is.LessThan(bar));
        Assert.That(shifted, Is.GreaterThan(bar));
        // The U-statistic is unbiased: the mean of the 20 null draws is within 3 standard errors of 0.
        Assert.That(Math.Abs(nullMean), Is.LessThan(3 * nullSd / Math.Sqrt(seeds)));
    }

    [Test]
    public void Compute_IsBitIdenticalAcrossCalls()
    {
        using GaussianModel model = NewModel();
        using Tensor samples = Device.Randn(300, 3, seed: 3);
        float first = KernelSteinDiscrepancy.Compute(model, samples, 1.3f, -0.4f);
        float second = KernelSteinDiscrepancy.Compute(model, samples, 1.3f, -0.4f);
        Assert.That(BitConverter.SingleToInt32Bits(second), Is.EqualTo(BitConverter.SingleToInt32Bits(first)));
    }

    [Test]
    public void Compute_ThrowsForNullModel()
    {
        using Tensor samples = Device.Randn(10, 3, seed: 1);
        AssertNoLaunch(() => Assert.Throws<ArgumentNullException>(() => KernelSteinDiscrepancy.Compute(null!, samples)));
    }

    [Test]
    public void Compute_ThrowsForDisposedModel()
    {
        GaussianModel model = NewModel();
        model.Dispose();
        using Tensor samples = Device.Randn(10, 3, seed: 1);
        AssertNoLaunch(() => Assert.Throws<ObjectDisposedException>(() => KernelSteinDiscrepancy.Compute(model, samples)));
    }

    [Test]
    public void Compute_ThrowsForNullOrDisposedSamples()
    {
        using GaussianModel model = NewModel();
        Tensor disposed = Device.Randn(10, 3, seed: 1);
        disposed.Dispose();
        AssertNoLaunch(() => Assert.Throws<ArgumentNullException>(() => KernelSteinDiscrepancy.Compute(model, null!)));
        AssertNoLaunch(() => Assert.Throws<ObjectDisposedException>(() => KernelSteinDiscrepancy.Compute(model, disposed)));
    }

    [Test]
    public void Compute_ThrowsForSamplesOfWrongShape()
    {
        using GaussianModel model = NewModel();
        using Tensor flat = Device.Zeros(30), wrongDim = Device.Zeros(10, 2), oneRow = Device.Zeros(1, 3);
        AssertThrowsArgument(() => KernelSteinDiscrepancy.Compute(model, flat), "samples");
        AssertThrowsArgument(() => KernelSteinDiscrepancy.Compute(model, wrongDim), "samples");
        AssertThrowsArgument(() => KernelSteinDiscrepancy.Compute(model, oneRow), "samples");
    }

    [Test]
    public void Compute_ThrowsForSamplesOnAnotherDevice()
    {
        using GaussianModel model = NewModel();
        using Device other = Device.Create(DeviceKind.Cpu);
        using Tensor samples = other.Zeros(10, 3);
        AssertThrowsArgument(() => KernelSteinDiscrepancy.Compute(model, samples), "samples");
    }

    [TestCase(float.NaN, 1)]
    [TestCase(float.PositiveInfinity, 2)]
    [TestCase(float.NegativeInfinity, 0)]
    public void Compute_ThrowsForNonFiniteSamples(float value, int column)
    {
        using GaussianModel model = NewModel();
        float[] data = new float[30];
        data[4 * 3 + column] = value;
        using Tensor samples = Device.FromArray(data, 10, 3);
        string message = AssertThrowsArgument(() => KernelSteinDiscrepancy.Compute(model, samples), "samples");
        Assert.That(message, Does.Contain($"[4, {column}]"));
    }

    [TestCase(0f)]
    [TestCase(-1f)]
    [TestCase(float.NaN)]
    [TestCase(float.PositiveInfinity)]
    [TestCase(1e-30f)] // c^2 underflows to 0
    [TestCase(1e20f)] // c^2 overflows
    public void Compute_ThrowsForBadC(float c)
    {
        using GaussianModel model = NewModel();
        using Tensor samples = Device.Randn(10, 3, seed: 1);
        AssertNoLaunch(() => Assert.Throws<ArgumentOutOfRangeException>(() => KernelSteinDiscrepancy.Compute(model, samples, c: c))!
            .ParamName, Is.EqualTo("c"));
    }

    [TestCase(0f)]
    [TestCase(0.5f)]
    [TestCase(float.NaN)]
    [TestCase(float.NegativeInfinity)]
    public void Compute_ThrowsForBadBeta(float beta)
    {
        using GaussianModel model = NewModel();
        using Tensor samples = Device.Randn(10, 3, seed: 1);
        AssertNoLaunch(() => Assert.Throws<ArgumentOutOfRangeException>(() => KernelSteinDiscrepancy.Compute(model, samples, beta: beta))!
            .ParamName, Is.EqualTo("beta"));
    }

    [Test]
    public void Compute_ThrowsForNonFiniteScores()
    {
        using var model = new NanScoreModel(Device);
        using Tensor samples = Device.Randn(10, 3, seed: 1);
        var error = Assert.Throws<NotFiniteNumberException>(() => KernelSteinDiscrepancy.Compute(model, samples))!;
        Assert.That(error.Message, Does.Contain("NanScoreModel").And.Contain("samples[0, 0]"));
    }

    [Test]
    public void Compute_ThrowsWhenTheSumOverflows()
    {
        using GaussianModel model = NewModel();
        // Finite samples and finite scores (about 1e19), whose products overflow float32.
        using Tensor samples = Device.FromArray([1e19f, 1e19f, 1e19f, -1e19f, -1e19f, -1e19f, 0f, 0f, 0f], 3, 3);
        Assert.Throws<NotFiniteNumberException>(() => KernelSteinDiscrepancy.Compute(model, samples));
    }

    /// <summary>KSD^2 of n exact draws from the model (mean + L z, L the Cholesky factor of cov), plus shift in every coordinate.</summary>
    private float KsdOfDraws(GaussianModel model, int n, int seed, float shift)
    {
        using Tensor z = Device.Randn(n, 3, seed);
        float[] standard = z.ToArray(), draws = new float[n * 3];
        Matrix<double> l = Matrix<double>.Build.Dense(3, 3, (i, j) => Cov[i, j]).Cholesky().Factor;
        for (int row = 0; row < n; row++)
        for (int i = 0; i < 3; i++)
        {
            double value = Mean[i] + shift;
            for (int j = 0; j <= i; j++) value += l[i, j] * standard[row * 3 + j];
            draws[row * 3 + i] = (float)value;
        }
        using Tensor samples = Device.FromArray(draws, n, 3);
        return KernelSteinDiscrepancy.Compute(model, samples);
    }

    /// <summary>The U-statistic in float64 from the formula, with the analytic score s(x) = -cov^-1 (x - mean).</summary>
    private static double HostKsd(float[] x, int n, double c, double beta)
    {
        const int d = 3;
        Matrix<double> precision = Matrix<double>.Build.Dense(d, d, (i, j) => Cov[i, j]).Inverse();
        var s = new double[n, d];
        for (int row = 0; row < n; row++)
        for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            s[row, i] -= precision[i, j] * (x[row * d + j] - Mean[j]);

        double total = 0;
        var r = new double[d];
        for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++)
        {
            if (a == b) continue;
            double r2 = 0, ss = 0, sxGradYk = 0, syGradXk = 0;
            for (int i = 0; i < d; i++)
            {
                r[i] = x[a * d + i] - x[b * d + i];
                r2 += r[i] * r[i];
                ss += s[a, i] * s[b, i];
            }
            double q = c * c + r2, k = Math.Pow(q, beta);
            for (int i = 0; i < d; i++)
            {
                double gradXk = 2 * beta * Math.Pow(q, beta - 1) * r[i];
                sxGradYk += s[a, i] * -gradXk; // grad_y k = -grad_x k
                syGradXk += s[b, i] * gradXk;
            }
            double trace = -2 * beta * d * Math.Pow(q, beta - 1) - 4 * beta * (beta - 1) * Math.Pow(q, beta - 2) * r2;
            total += ss * k + sxGradYk + syGradXk + trace;
        }
        return total / ((double)n * (n - 1));
    }

    private void AssertNoLaunch(Action act)
    {
        long before = Device.LaunchCount;
        act();
        Assert.That(Device.LaunchCount, Is.EqualTo(before), "a kernel was launched before the argument was rejected");
    }

    private void AssertNoLaunch<T>(Func<T> act, NUnit.Framework.Constraints.IResolveConstraint constraint) =>
        AssertNoLaunch(() => Assert.That(act(), constraint));

    /// <summary>Asserts an <see cref="ArgumentException"/> naming <paramref name="name"/> with no launch; returns its message.</summary>
    private string AssertThrowsArgument(Func<float> act, string name)
    {
        string message = "";
        AssertNoLaunch(() =>
        {
            var error = Assert.Throws(Is.InstanceOf<ArgumentException>(), () => act()) as ArgumentException;
            Assert.That(error!.ParamName, Is.EqualTo(name));
            message = error.Message;
        });
        return message;
    }

    /// <summary>A user model whose gradient is NaN everywhere.</summary>
    private sealed class NanScoreModel(Device device) : BaseModel(device)
    {
        public override int? Dim => 3;

        public override Tensor Forward(Tensor x) => Device.Zeros(x.Dim(0));

        public override Tensor Gradient(Tensor x) => Device.Full(float.NaN, x.Shape);
    }
}

using TorchEbm.Autodiff;
using TorchEbm.Models;
using TorchEbm.Tests.Support;
using TorchEbm.Training;

namespace TorchEbm.Tests.Training;

/// <summary>
/// Training's data noise (<see cref="TrainingOptions.DataNoise"/>): the wrapped loss sees each batch plus fresh
/// N(0, sigma^2 I) noise, reproducibly, and bad settings or data are rejected before any launch. (That score matching on
/// the noisy data fits dsm's smoothed Gaussian is checked with the closed-form fits in ScoreMatchingTests.)
/// </summary>
public sealed class PerturbedDataLossTests(DeviceKind kind) : DeviceTest(kind)
{
    private const int Rows = 4096;
    private const float Sigma = 0.3f;

    private NeuralNetworkModel Model() => new(new MLP(Device, 2, [4], 1, Activation.SiLU, seed: 1));

    private static float[] Data() => [.. Enumerable.Range(0, Rows * 2).Select(i => (i % 7) * 0.25f - 1f)];

    /// <summary>The batches the inner loss saw on <paramref name="calls"/> calls, as (seen - data) / sigma.</summary>
    private List<double[]> Noise(long seed, int calls)
    {
        float[] host = Data();
        using Tensor data = Device.FromArray(host, Rows, 2);
        using NeuralNetworkModel model = Model();
        var inner = new RecordingLoss();
        using var loss = new PerturbedDataLoss(inner, Sigma, seed);
        for (int c = 0; c < calls; c++)
            using (Var value = loss.Compute(model, data)) value.Backward();
        return [.. inner.Batches.Select(b => Enumerable.Range(0, host.Length).Select(i => (b[i / 2, i % 2] - (double)host[i]) / Sigma).ToArray())];
    }

    [Test]
    public void InnerLoss_SeesTheBatchPlusStandardNormalNoiseTimesSigma()
    {
        double[] eps = Noise(seed: 11, calls: 1)[0];
        int n = eps.Length;
        double mean = eps.Average(), variance = eps.Sum(e => (e - mean) * (e - mean)) / (n - 1);
        double kurtosis = eps.Sum(e => Math.Pow(e - mean, 4)) / n / (variance * variance);
        Assert.Multiple(() =>
        {
            Assert.That(Math.Abs(mean), Is.LessThan(4 / Math.Sqrt(n)), "mean 0 (4 standard errors)");
            Assert.That(Math.Abs(variance - 1), Is.LessThan(4 * Math.Sqrt(2.0 / n)), "variance 1 (4 standard errors)");
            Assert.That(Math.Abs(kurtosis - 3), Is.LessThan(4 * Math.Sqrt(24.0 / n)), "Gaussian kurtosis 3 (4 standard errors)");
        });
    }

    [Test]
    public void Noise_IsFreshEachCall_AndTheSameForTheSameSeed()
    {
        List<double[]> first = Noise(seed: 11, calls: 2), again = Noise(seed: 11, calls: 2), other = Noise(seed: 12, calls: 1);
        Assert.Multiple(() =>
        {
            Assert.That(again[0], Is.EqualTo(first[0]), "same seed, same noise");
            Assert.That(again[1], Is.EqualTo(first[1]));
            Assert.That(first[1], Is.Not.EqualTo(first[0]), "fresh noise on the next call");
            Assert.That(other[0], Is.Not.EqualTo(first[0]), "another seed, other noise");
        });
    }

    [TestCase(0f)]
    [TestCase(-0.1f)]
    [TestCase(float.NaN)]
    [TestCase(float.PositiveInfinity)]
    public void BadSigma_IsRejected(float sigma) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PerturbedDataLoss(new RecordingLoss(), sigma, seed: 0));

    [Test]
    public void NaNData_IsRejectedBeforeTheInnerLossRuns()
    {
        float[] host = Data();
        host[5] = float.NaN;
        using Tensor data = Device.FromArray(host, Rows, 2);
        using NeuralNetworkModel model = Model();
        var inner = new RecordingLoss();
        using var loss = new PerturbedDataLoss(inner, Sigma, seed: 0);
        Assert.That(Assert.Throws<ArgumentException>(() => loss.Compute(model, data))!.ParamName, Is.EqualTo("data"));
        Assert.That(inner.Calls, Is.Zero);
    }

    [Test]
    public void DataOfTheWrongDimension_IsRejectedBeforeAnyLaunch_AndDrawsNoNoise()
    {
        using NeuralNetworkModel model = Model();
        using Tensor wrong = Device.Zeros(32, 3);
        float[] host = Data();
        using Tensor data = Device.FromArray(host, Rows, 2);
        var inner = new RecordingLoss();
        using var loss = new PerturbedDataLoss(inner, Sigma, seed: 11);
        long launches = Device.LaunchCount;
        Assert.That(Assert.Throws<ArgumentException>(() => loss.Compute(model, wrong))!.ParamName, Is.EqualTo("data"));
        Assert.That(Device.LaunchCount, Is.EqualTo(launches), "no launch");
        using (Var value = loss.Compute(model, data)) value.Backward();
        double[] seen = Enumerable.Range(0, host.Length).Select(i => (inner.Batches[0][i / 2, i % 2] - (double)host[i]) / Sigma).ToArray();
        Assert.That(seen, Is.EqualTo(Noise(seed: 11, calls: 1)[0]), "the first good call gets a fresh run's first noise");
    }

    [Test]
    public void Dispose_DisposesTheInnerLoss()
    {
        var inner = new RecordingLoss();
        new PerturbedDataLoss(inner, Sigma, seed: 0).Dispose();
        Assert.That(inner.IsDisposed, Is.True);
    }
}

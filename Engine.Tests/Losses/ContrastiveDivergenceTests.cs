using TorchEbm.Autodiff;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Autodiff;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Losses;

/// <summary>The CD loss value and gradient, the persistent replay buffer, and argument checks.</summary>
public sealed class ContrastiveDivergenceTests(DeviceKind kind) : DeviceTest(kind)
{
    [Test]
    public void Loss_IsMeanEnergyGap_AndBackwardFillsParameterGradients()
    {
        using var model = new NeuralNetworkModel(new MLP(Device, 2, [8], 1, seed: 2));
        var sampler = new LangevinDynamics(model, 0.01f, seed: 1);
        using var cd = new ContrastiveDivergence(sampler, k: 0, persistent: false, energyRegularization: 0.1f);
        using Tensor data = Device.Randn(32, 2, seed: 5);

        // k = 0: the negatives are the data itself, so the gap is 0 and only the penalty 0.1 * 2 mean E^2 remains.
        using Var loss = cd.Compute(model, data);
        using Tensor energies = model.Forward(data);
        double meanSquare = energies.ToArray().Average(e => (double)e * e);
        Assert.That(loss.Value.ToArray()[0], Is.EqualTo(0.1 * 2 * meanSquare).Within(1e-5));
        loss.Backward();
        Assert.That(model.Parameters().Select(p => p.Grad), Is.All.Not.Null);
    }

    [Test]
    public void LastBiasGradient_CancelsBetweenDataAndNegatives()
    {
        // d/db of mean E(data) - mean E(negatives) for the output bias b is 1 - 1 = 0, whatever the negatives.
        using var model = new NeuralNetworkModel(new MLP(Device, 2, [4], 1, Activation.Tanh, seed: 3));
        var sampler = new LangevinDynamics(model, 0.05f, noiseScale: 0f);
        using var cd = new ContrastiveDivergence(sampler, k: 3, persistent: false, energyRegularization: 0f);
        using Tensor data = Device.Randn(16, 2, seed: 8);
        using Var loss = cd.Compute(model, data);
        loss.Backward();
        float[] biasGrad = model.Network.NamedParameters().Single(p => p.Name == "2.bias").Parameter.Grad!.ToArray();
        Assert.That(biasGrad[0], Is.EqualTo(0f).Within(1e-6f));
        Assert.That(loss.Value.ToArray()[0], Is.Not.EqualTo(0f), "three deterministic descent steps lower the negatives' energy");
    }

    [Test]
    public void PersistentBuffer_PersistsAcrossCalls()
    {
        // Harmonic energy, no noise: each call contracts the buffer's states by (1 - h)^k exactly; with bufferSize
        // equal to the batch, every call advances the same rows.
        using var model = new HarmonicModel(Device, 1f);
        var sampler = new LangevinDynamics(model, 0.1f, noiseScale: 0f);
        using var cd = new ContrastiveDivergence(sampler, k: 2, batchSize: 8, persistent: true, bufferSize: 8, reinitFraction: 0f, seed: 4);
        using Tensor data = Device.Zeros(8, 3);
        cd.Compute(model, data).Dispose();
        float[] afterOne = cd.Buffer!.ToArray();
        cd.Compute(model, data).Dispose();
        cd.Compute(model, data).Dispose();
        float[] afterThree = cd.Buffer!.ToArray();
        float factor = MathF.Pow(0.9f, 4);
        for (int i = 0; i < afterOne.Length; i++)
            Assert.That(afterThree[i], Is.EqualTo(afterOne[i] * factor).Within(1e-5f * Math.Max(1f, Math.Abs(afterOne[i]))));
    }

    [Test]
    public void PersistentBuffer_RestartsTheRequestedFraction()
    {
        // k = 0: a row of the buffer changes on a call only if it was restarted from noise.
        const int rows = 500, calls = 20;
        const float fraction = 0.05f;
        using var model = new HarmonicModel(Device, 1f);
        var sampler = new LangevinDynamics(model, 0.1f);
        using var cd = new ContrastiveDivergence(sampler, k: 0, batchSize: rows, persistent: true, bufferSize: rows, reinitFraction: fraction, seed: 9);
        using Tensor data = Device.Zeros(rows, 2);
        cd.Compute(model, data).Dispose();
        int restarted = 0;
        for (int call = 0; call < calls; call++)
        {
            float[] before = cd.Buffer!.ToArray();
            cd.Compute(model, data).Dispose();
            float[] after = cd.Buffer!.ToArray();
            for (int r = 0; r < rows; r++)
                if (before[2 * r] != after[2 * r] || before[2 * r + 1] != after[2 * r + 1]) restarted++;
        }
        // Binomial(10000, 0.05): within 4 standard deviations.
        double n = rows * calls, sd = Math.Sqrt(n * fraction * (1 - fraction));
        Assert.That(restarted, Is.InRange(n * fraction - 4 * sd, n * fraction + 4 * sd));
    }

    [Test]
    public void BadInput_IsRejectedBeforeAnyLaunch()
    {
        using var model = new NeuralNetworkModel(new MLP(Device, 2, [4], 1));
        using var other = new HarmonicModel(Device);
        var sampler = new LangevinDynamics(model, 0.01f);
        using var cd = new ContrastiveDivergence(sampler, k: 1, batchSize: 10, persistent: false);
        using Tensor wrongDim = Device.Zeros(10, 3), few = Device.Zeros(5, 2), withNaN = Device.FromArray([0f, float.NaN, 1f, 1f], 2, 2);
        Assert.That(Assert.Throws<ArgumentException>(() => cd.Compute(model, wrongDim))!.Message, Does.Contain("(10, 3)"));
        Assert.Throws<ArgumentException>(() => cd.Compute(model, few));
        using var cd2 = new ContrastiveDivergence(sampler);
        Assert.That(Assert.Throws<ArgumentException>(() => cd2.Compute(model, withNaN))!.Message, Does.Contain("finite"));
        Assert.Throws<ArgumentException>(() => cd2.Compute(other, few));
        using var tiny = new ContrastiveDivergence(sampler, persistent: true, bufferSize: 4);
        Assert.That(Assert.Throws<ArgumentException>(() => tiny.Compute(model, few))!.Message, Does.Contain("replay buffer's 4 rows"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ContrastiveDivergence(sampler, k: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ContrastiveDivergence(sampler, batchSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ContrastiveDivergence(sampler, reinitFraction: 1.5f));
    }
}

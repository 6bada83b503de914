using TorchEbm.Autodiff;
using TorchEbm.Interpolants;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Schedulers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Losses;

/// <summary>
/// The matching losses' settings and inputs: each bad value is an <see cref="ArgumentException"/> naming it, thrown before
/// any launch; a seed repeats a loss bit for bit; the temperature sweep and the truncated decay against their formulas.
/// </summary>
public sealed class MatchingInputTests(DeviceKind kind) : DeviceTest(kind)
{
    private NeuralNetworkModel Model() => new(new MLP(Device, 2, [8], 1, Activation.SiLU, seed: 3));

    [TestCase(-0.1f, 4f, "threshold")]
    [TestCase(1f, 4f, "threshold")]
    [TestCase(float.NaN, 4f, "threshold")]
    [TestCase(0.8f, 0f, "multiplier")]
    [TestCase(0.8f, float.PositiveInfinity, "multiplier")]
    public void EquilibriumMatching_RejectsBadSettings(float threshold, float multiplier, string name)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new EquilibriumMatching(threshold, multiplier));
        Assert.That(e!.ParamName, Is.EqualTo(name));
    }

    [Test]
    public void EnergyMatching_RejectsBadSettings()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new EnergyMatching(sigma: -1f))!.ParamName, Is.EqualTo("sigma"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new EnergyMatching(flowCutoff: 1.5f))!.ParamName, Is.EqualTo("flowCutoff"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new EnergyMatching(contrastiveWeight: float.NaN))!.ParamName, Is.EqualTo("contrastiveWeight"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new EnergyMatching(warmupSteps: -1))!.ParamName, Is.EqualTo("warmupSteps"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new EnergyMatching(epsilonMax: 0f))!.ParamName, Is.EqualTo("epsilonMax"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new EnergyMatching(tauStar: 1f))!.ParamName, Is.EqualTo("tauStar"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new EnergyMatching(langevinSteps: 0))!.ParamName, Is.EqualTo("langevinSteps"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new EnergyMatching(stepSize: 0f))!.ParamName, Is.EqualTo("stepSize"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new EnergyMatching(noiseFraction: 1.1f))!.ParamName, Is.EqualTo("noiseFraction"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new EnergyMatching(trimFraction: 1f))!.ParamName, Is.EqualTo("trimFraction"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new EnergyMatching(clamp: -0.1f))!.ParamName, Is.EqualTo("clamp"));
        });
    }

    [Test]
    public void BothLosses_RejectBadDataBeforeAnyLaunch()
    {
        using NeuralNetworkModel model = Model();
        using Tensor wrongDim = Device.FromArray(new float[6], 2, 3);
        using Tensor nan = Device.FromArray([1f, float.NaN, 0f, 1f], 2, 2);
        foreach (BaseLoss loss in new BaseLoss[] { new EquilibriumMatching(), new EnergyMatching() })
        {
            Assert.That(Assert.Throws<ArgumentException>(() => loss.Compute(model, wrongDim))!.ParamName, Is.EqualTo("data"), loss.GetType().Name);
            Assert.That(Assert.Throws<ArgumentException>(() => loss.Compute(model, nan))!.ParamName, Is.EqualTo("data"), loss.GetType().Name);
            Assert.Throws<ArgumentNullException>(() => loss.Compute(null!, nan));
            loss.Dispose();
            Assert.Throws<ObjectDisposedException>(() => loss.Compute(model, nan));
        }
    }

    [Test]
    public void EquilibriumMatching_RejectsAModelWithoutParametersOrTapeEnergy()
    {
        using Tensor data = Device.FromArray([1f, 0f, 0f, 1f], 2, 2);
        using var gaussian = new GaussianModel(Device, [0f, 0f], new float[,] { { 1, 0 }, { 0, 1 } });
        Assert.That(Assert.Throws<ArgumentException>(() => new EquilibriumMatching().Compute(gaussian, data))!.ParamName, Is.EqualTo("model"));
    }

    [Test]
    public void ImplicitField_OfTheWrongShape_IsRejected()
    {
        using Tensor data = Device.FromArray([1f, 0f, 0f, 1f], 2, 2);
        using var scalar = new MLP(Device, 2, [8], 1, Activation.SiLU, seed: 1);
        Assert.That(Assert.Throws<ArgumentException>(() => new EquilibriumMatching().ComputeImplicit(scalar, data))!.ParamName, Is.EqualTo("field"));
        using var model = new FieldEnergyModel(new MLP(Device, 2, [8], 1, Activation.SiLU, seed: 1));
        Assert.Throws<InvalidOperationException>(() => model.Forward(data).Dispose());
    }

    [Test]
    public void SameSeed_GivesBitIdenticalLosses()
    {
        using Tensor data = SyntheticData();
        float Loss(BaseLoss loss)
        {
            using NeuralNetworkModel model = Model();
            using Var value = loss.Compute(model, data);
            return value.Value.ToArray()[0];
        }
        Assert.That(Loss(new EquilibriumMatching(seed: 5)), Is.EqualTo(Loss(new EquilibriumMatching(seed: 5))));
        Assert.That(Loss(new EquilibriumMatching(seed: 5)), Is.Not.EqualTo(Loss(new EquilibriumMatching(seed: 6))));
        Assert.That(Loss(new EnergyMatching(langevinSteps: 5, seed: 5)), Is.EqualTo(Loss(new EnergyMatching(langevinSteps: 5, seed: 5))));
    }

    [Test]
    public void Implicit_OnTheCosinePath_MatchesTheHostFormula()
    {
        // f(x) = W x + b (one Linear layer): the loss mean (W x_g + b - c(g) (eps - x))^2 with x_g = alpha(g) x + sigma(g) eps
        // from the cosine interpolant's own alpha and sigma, in float64 on the host.
        float[] x = [0.5f, -1f, 2f, 0.25f, -1.5f, 1f], eps = [1f, 0.5f, -0.75f, -1f, 0.25f, 2f], g = [0.1f, 0.85f, 0.5f];
        using Tensor data = Device.FromArray(x, 3, 2), noise = Device.FromArray(eps, 3, 2), gamma = Device.FromArray(g, 3);
        using var field = new Linear(Device, 2, 2, seed: 4);
        var cosine = new CosineInterpolant();
        var loss = new EquilibriumMatching(interpolant: cosine);
        using Var value = loss.ComputeImplicit(field, data, noise, gamma);
        float[] w = field.Weight.Value.ToArray(), b = field.Bias.Value.ToArray();
        double expected = 0;
        for (int r = 0; r < 3; r++)
        {
            double a = cosine.Alpha(g[r]), s = cosine.Sigma(g[r]), c = loss.Decay(g[r]);
            double[] point = [a * x[2 * r] + s * eps[2 * r], a * x[2 * r + 1] + s * eps[2 * r + 1]];
            for (int k = 0; k < 2; k++)
            {
                double f = w[2 * k] * point[0] + w[2 * k + 1] * point[1] + b[k], target = c * (eps[2 * r + k] - x[2 * r + k]);
                expected += (f - target) * (f - target) / 6;
            }
        }
        Assert.That(cosine.Alpha(0.5f), Is.Not.EqualTo(0.5f).Within(1e-3f), "the cosine path is not the linear one");
        Assert.That(value.Value.ToArray()[0], Is.EqualTo(expected).Within(1e-5 * expected));
    }

    [Test]
    public void Decay_IsTheTruncatedLinearFormula()
    {
        var loss = new EquilibriumMatching(threshold: 0.8f, multiplier: 4f);
        Assert.That(loss.Decay(0f), Is.EqualTo(4f));
        Assert.That(loss.Decay(0.8f), Is.EqualTo(4f).Within(1e-5f));
        Assert.That(loss.Decay(0.9f), Is.EqualTo(2f).Within(1e-5f));
        Assert.That(loss.Decay(1f), Is.EqualTo(0f));
    }

    [Test]
    public void TemperatureSweep_IsZeroUntilTauStar_ThenRisesLinearlyInTemperature()
    {
        var sweep = new TemperatureScheduler(epsilonMax: 0.15f, tauStar: 0.8f, nSteps: 100);
        Assert.That(sweep.ValueAt(0), Is.Zero);
        Assert.That(sweep.ValueAt(79), Is.Zero);
        Assert.That(sweep.ValueAt(90), Is.EqualTo(MathF.Sqrt(0.075f)).Within(1e-6f), "half way: half the temperature");
        Assert.That(sweep.ValueAt(100), Is.EqualTo(MathF.Sqrt(0.15f)).Within(1e-6f));
        Assert.That(sweep.ValueAt(500), Is.EqualTo(MathF.Sqrt(0.15f)).Within(1e-6f), "held at the plateau");
        Assert.Throws<ArgumentOutOfRangeException>(() => new TemperatureScheduler(0.15f, 1f, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TemperatureScheduler(0.15f, 0.8f, 0));
    }

    private Tensor SyntheticData() => TorchEbm.Datasets.SyntheticDatasets.Create("eight-gaussians", Device, 16, seed: 0);
}

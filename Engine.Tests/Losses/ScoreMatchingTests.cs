using TorchEbm.Autodiff;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;
using TorchEbm.Tests.Support;
using TorchEbm.Training;

namespace TorchEbm.Tests.Losses;

/// <summary>
/// The score-matching losses fit a Gaussian in closed form: with E(x) = 0.5 (x - b)^T A (x - b), A = L L^T written in
/// tape ops, score matching and its variance-reduced sliced form recover A = Sigma^-1 and b = mu from 20000 draws
/// of N(mu, Sigma) in 3-D within 3%, and denoising score matching at sigma, like sliced score matching on the draws plus
/// fresh N(0, sigma^2 I) noise (training's data noise), recovers (Sigma + sigma^2 I)^-1. Also:
/// reproducible probes, bad input rejected before any launch, and nothing leaked.
/// </summary>
public sealed class ScoreMatchingTests(DeviceKind kind) : DeviceTest(kind)
{
    private const int Draws = 20000, D = 3;
    private static readonly double[] Mu = [1.0, -0.5, 0.25];

    // Sigma = C C^T with correlations, eigenvalues between about 0.2 and 2.
    private static readonly double[,] C = { { 1.0, 0.0, 0.0 }, { 0.5, 0.8, 0.0 }, { -0.3, 0.4, 0.6 } };

    /// <summary>E(x) = 0.5 ||(x - b) L||^2 = 0.5 (x - b)^T L L^T (x - b), parameters L (3, 3) and b (3).</summary>
    private sealed class Quadratic(Device device) : BaseModel(device)
    {
        public Var L { get; } = new(device.FromArray([1f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, 1f], D, D), requiresGrad: true);
        public Var B { get; } = new(device.Zeros(D), requiresGrad: true);

        public override int? Dim => ScoreMatchingTests.D;

        public override IEnumerable<Var> Parameters() => [L, B];

        public override Var Energies(Var x)
        {
            Var z = (x - B).MatMul(L);
            return 0.5f * (z * z).Sum(1);
        }

        public override void Dispose()
        {
            L.Dispose();
            B.Dispose();
            base.Dispose();
        }
    }

    /// <summary>A model with a parameter but its energy in tensor code (Forward and Gradient), not in tape ops.</summary>
    private sealed class TensorCodeModel(Device device) : BaseModel(device)
    {
        private readonly Var _scale = new(device.FromArray([1f], 1), requiresGrad: true);

        public override IEnumerable<Var> Parameters() => [_scale];

        public override Tensor Forward(Tensor x) => Device.Zeros(x.Dim(0));

        public override Tensor Gradient(Tensor x) => Device.Zeros(x.Shape);

        public override void Dispose()
        {
            _scale.Dispose();
            base.Dispose();
        }
    }

    private static double[,] Sigma()
    {
        var s = new double[D, D];
        for (int i = 0; i < D; i++)
        for (int j = 0; j < D; j++)
        for (int k = 0; k < D; k++)
            s[i, j] += C[i, k] * C[j, k];
        return s;
    }

    /// <summary>Draws of N(mu, Sigma) in float32, from a seeded host generator (Box-Muller).</summary>
    private Tensor Data()
    {
        var random = new System.Random(2026);
        var x = new float[Draws * D];
        for (int n = 0; n < Draws; n++)
        {
            double[] z = [.. Enumerable.Range(0, D).Select(_ => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))];
            for (int i = 0; i < D; i++)
            {
                double v = Mu[i];
                for (int k = 0; k < D; k++) v += C[i, k] * z[k];
                x[n * D + i] = (float)v;
            }
        }
        return Device.FromArray(x, Draws, D);
    }

    public static IEnumerable<TestCaseData> Fits()
    {
        yield return new TestCaseData("sm", 0.0).SetName("ScoreMatching_RecoversThePrecisionAndMean");
        yield return new TestCaseData("sm-hutchinson", 0.0).SetName("ScoreMatchingHutchinson_RecoversThePrecisionAndMean");
        yield return new TestCaseData("ssm-vr", 0.0).SetName("SlicedScoreMatchingVR_RecoversThePrecisionAndMean");
        yield return new TestCaseData("dsm", 0.5).SetName("DenoisingScoreMatching_RecoversTheSmoothedPrecisionAndMean");
        // Training's DataNoise: score matching on data + sigma eps has dsm's objective up to a constant (Vincent 2011).
        // (The noise wraps any loss; sliced is the cheaper of the two score-matching losses to fit.)
        yield return new TestCaseData("ssm-vr+noise", 0.5).SetName("SlicedScoreMatchingVROnNoisyData_RecoversTheSmoothedPrecisionAndMean");
    }

    [TestCaseSource(nameof(Fits))]
    [Category("Slow")]
    public void FitsAGaussian_InClosedForm(string loss, double sigma)
    {
        using Tensor data = Data();
        using var model = new Quadratic(Device);
        using BaseLoss objective = loss switch
        {
            "sm" => new ScoreMatching(),
            "sm-hutchinson" => new ScoreMatching(HessianTrace.Hutchinson, nProbes: 1, seed: 3),
            "ssm-vr" => new SlicedScoreMatching(varianceReduced: true, seed: 4),
            "ssm-vr+noise" => new PerturbedDataLoss(new SlicedScoreMatching(varianceReduced: true, seed: 4), (float)sigma, seed: 7),
            _ => new DenoisingScoreMatching((float)sigma, seed: 5),
        };
        using var adam = new Adam(model.Parameters(), lr: 0.05f);
        // Full batches; the step shrinks tenfold twice so that the stochastic losses settle on their optimum.
        for (int step = 0; step < 900; step++)
        {
            if (step == 500) adam.Lr = 0.005f;
            if (step == 750) adam.Lr = 0.0005f;
            adam.ZeroGrad();
            using Var value = objective.Compute(model, data);
            value.Backward();
            adam.Step();
        }

        double[,] expected = Sigma();
        for (int i = 0; i < D; i++) expected[i, i] += sigma * sigma;
        expected = Invert(expected);
        float[] l = model.L.Value.ToArray(), b = model.B.Value.ToArray();
        double diff = 0, size = 0;
        for (int i = 0; i < D; i++)
        for (int j = 0; j < D; j++)
        {
            double a = 0;
            for (int k = 0; k < D; k++) a += (double)l[i * D + k] * l[j * D + k];
            diff += (a - expected[i, j]) * (a - expected[i, j]);
            size += expected[i, j] * expected[i, j];
        }
        double precisionError = Math.Sqrt(diff / size);
        double meanError = Math.Sqrt(Enumerable.Range(0, D).Sum(i => (b[i] - Mu[i]) * (b[i] - Mu[i])) / Mu.Sum(m => m * m));
        TestContext.Out.WriteLine($"{loss}: relative error of A {precisionError:E2}, of b {meanError:E2}");
        Assert.That(precisionError, Is.LessThan(0.03), "A = L L^T against the (smoothed) precision");
        Assert.That(meanError, Is.LessThan(0.03), "b against the mean");
    }

    private static double[,] Invert(double[,] m)
    {
        double a = m[0, 0], b = m[0, 1], c = m[0, 2], d = m[1, 0], e = m[1, 1], f = m[1, 2], g = m[2, 0], h = m[2, 1], i = m[2, 2];
        double det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
        return new[,]
        {
            { (e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det },
            { (f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det },
            { (d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det },
        };
    }

    public static IEnumerable<TestCaseData> Losses()
    {
        yield return new TestCaseData((Func<BaseLoss>)(() => new ScoreMatching())).SetArgDisplayNames("sm");
        yield return new TestCaseData((Func<BaseLoss>)(() => new ScoreMatching(HessianTrace.Hutchinson, nProbes: 2, seed: 1))).SetArgDisplayNames("sm-hutchinson");
        yield return new TestCaseData((Func<BaseLoss>)(() => new SlicedScoreMatching(2, ProjectionKind.Sphere, seed: 1))).SetArgDisplayNames("ssm");
        yield return new TestCaseData((Func<BaseLoss>)(() => new DenoisingScoreMatching(0.3f, seed: 1))).SetArgDisplayNames("dsm");
    }

    /// <summary>Bad input is refused with a clear exception before any launch, and nothing is allocated.</summary>
    [TestCaseSource(nameof(Losses))]
    public void BadInput_IsRejectedBeforeAnyLaunch(Func<BaseLoss> create)
    {
        using BaseLoss loss = create();
        using var model = new Quadratic(Device);
        using var opaque = new TensorCodeModel(Device);
        using var analytic = new GaussianModel(Device, new float[D], new float[,] { { 1f, 0f, 0f }, { 0f, 1f, 0f }, { 0f, 0f, 1f } });
        using Tensor good = Device.Zeros(4, D), wrongDim = Device.Zeros(4, D + 1), nan = Device.FromArray([0f, float.NaN, 0f], 1, D);
        long launches = Device.LaunchCount;
        int live = Device.LiveTensors;
        Assert.That(Assert.Throws<ArgumentException>(() => loss.Compute(model, wrongDim))!.Message, Does.Contain("dimension").IgnoreCase);
        Assert.That(Assert.Throws<ArgumentException>(() => loss.Compute(model, nan))!.Message, Does.Contain("NaN").Or.Contain("finite"));
        Assert.That(Assert.Throws<ArgumentException>(() => loss.Compute(analytic, good))!.Message, Does.Contain("Parameters() is empty"));
        Assert.That(Assert.Throws<ArgumentException>(() => loss.Compute(opaque, good))!.Message, Does.Contain("tape ops"));
        Assert.Throws<ArgumentNullException>(() => loss.Compute(null!, good));
        Assert.Throws<ArgumentNullException>(() => loss.Compute(model, null!));
        Assert.That(Device.LaunchCount, Is.EqualTo(launches), "no launch");
        Assert.That(Device.LiveTensors, Is.EqualTo(live), "nothing allocated");
        loss.Dispose();
        Assert.Throws<ObjectDisposedException>(() => loss.Compute(model, good));
    }

    /// <summary>An energy in tape ops that fails when evaluated: a loss's call fails after its probes were drawn.</summary>
    private sealed class FailingEnergy(Device device) : BaseModel(device)
    {
        private readonly Var _b = new(device.Zeros(D), requiresGrad: true);

        public override int? Dim => D;

        public override IEnumerable<Var> Parameters() => [_b];

        public override Var Energies(Var x) => throw new InvalidOperationException("this energy always fails");

        public override void Dispose()
        {
            _b.Dispose();
            base.Dispose();
        }
    }

    /// <summary>A call that fails after drawing its probes (and copying its input) frees them: ten failures leak nothing.</summary>
    [TestCaseSource(nameof(Losses))]
    public void FailedCompute_FreesItsProbes(Func<BaseLoss> create)
    {
        using BaseLoss loss = create();
        using var model = new FailingEnergy(Device);
        using Tensor data = Device.Randn(8, D, 1);
        int live = Device.LiveTensors;
        for (int call = 0; call < 10; call++) Assert.Throws<InvalidOperationException>(() => loss.Compute(model, data));
        Assert.That(Device.LiveTensors, Is.EqualTo(live));
    }

    /// <summary>More probe elements than an int indexes is refused naming the setting, before anything is allocated.</summary>
    [TestCase("ssm")]
    [TestCase("sm-hutchinson")]
    public void ProbeCountTimesBatchBeyondInt32_IsRejectedBeforeAllocating(string which)
    {
        using BaseLoss loss = which == "ssm" ? new SlicedScoreMatching(1 << 20) : new ScoreMatching(HessianTrace.Hutchinson, nProbes: 1 << 20);
        using var model = new Quadratic(Device);
        using Tensor data = Device.Zeros(4096, D);
        int live = Device.LiveTensors;
        var e = Assert.Throws<ArgumentException>(() => loss.Compute(model, data))!;
        Assert.That(e.ParamName, Is.EqualTo("data"));
        Assert.That(e.Message, Does.Contain(which == "ssm" ? "nProjections" : "nProbes").And.Contain("4096"));
        Assert.That(Device.LiveTensors, Is.EqualTo(live));
    }

    /// <summary>Sigma outside [1e-9, 1e9] makes the loss's own constants (1/sigma^2, sigma^2 and sigma^4 for a unit curvature) overflow or vanish.</summary>
    [TestCase(1e-25f)]
    [TestCase(1e-20f)]
    [TestCase(1e-10f)]
    [TestCase(2e9f)]
    [TestCase(1e20f)]
    public void DenoisingSigma_OutsideTheFiniteRange_IsRejected(float sigma) =>
        Assert.That(() => new DenoisingScoreMatching(sigma), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("sigma"));

    /// <summary>At both ends of sigma's range the loss of a unit-curvature quadratic and its gradients are finite.</summary>
    [TestCase(1e-9f)]
    [TestCase(1e9f)]
    public void DenoisingSigma_AtTheEndsOfItsRange_GivesAFiniteLoss(float sigma)
    {
        using var loss = new DenoisingScoreMatching(sigma, seed: 2);
        using var model = new Quadratic(Device);
        using Tensor data = Device.Randn(64, D, 3);
        using Var value = loss.Compute(model, data);
        value.Backward();
        Assert.That(float.IsFinite(value.Value.ToArray()[0]), $"loss {value.Value.ToArray()[0]}");
        Assert.That(model.Parameters().SelectMany(p => p.Grad!.ToArray()), Is.All.Matches<float>(float.IsFinite));
    }

    [Test]
    public void BadSettings_AreRejected()
    {
        foreach (float sigma in new[] { 0f, -1f, float.NaN, float.PositiveInfinity })
            Assert.Throws<ArgumentOutOfRangeException>(() => new DenoisingScoreMatching(sigma), $"sigma {sigma}");
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlicedScoreMatching(nProjections: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlicedScoreMatching(projection: (ProjectionKind)7));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScoreMatching(HessianTrace.Hutchinson, nProbes: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScoreMatching((HessianTrace)5));
    }

    /// <summary>
    /// Probes come from the seed and the call index: a new loss with the same seed repeats the values bit for bit,
    /// a second call draws new probes; disposing a loss's value frees everything it made.
    /// </summary>
    [TestCaseSource(nameof(Losses))]
    public void Values_AreReproducible_AndFreedWithTheResult(Func<BaseLoss> create)
    {
        using var model = new NeuralNetworkModel(new MLP(Device, D, [8], 1, Activation.SiLU, seed: 3));
        using Tensor data = Device.Randn(16, D, 9);
        int live = Device.LiveTensors;
        float[] First(BaseLoss loss, int calls)
        {
            var values = new float[calls];
            for (int i = 0; i < calls; i++)
            {
                using Var value = loss.Compute(model, data);
                value.Backward();
                values[i] = value.Value.ToArray()[0];
            }
            return values;
        }
        using (BaseLoss a = create(), b = create())
        {
            float[] x = First(a, 2), y = First(b, 2);
            Assert.That(y, Is.EqualTo(x), "same seed, same calls: bit-identical");
            if (a is not ScoreMatching { Trace: HessianTrace.Exact })
                Assert.That(x[1], Is.Not.EqualTo(x[0]), "a second call draws new probes");
        }
        int gradients = model.Parameters().Count(p => p.Grad is not null);
        Assert.That(Device.LiveTensors - live, Is.EqualTo(gradients), "only the parameters' gradients remain");
    }
}

using TorchEbm.Autodiff;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Models;

// README tape energy begins
/// <summary>Haario's banana: E(x) = x1^2 / 8 + (x2 - 0.1 x1^2 + 0.4)^2 / 2, a bent Gaussian.</summary>
public sealed class Banana(Device device) : BaseModel(device)
{
    public override int? Dim => 2;

    public override Var Energies(Var x)
    {
        Var x1 = x.Column(0), x2 = x.Column(1);
        return x1.Square() / 8f + (x2 - 0.1f * x1.Square() + 0.4f).Square() / 2f;
    }
}
// README tape energy ends

/// <summary>
/// A model that writes its energy once in tape ops (overriding only Energies) gets Forward and Gradient from the tape,
/// equal to float64 formulas, and works with samplers and losses; a model defining nothing is refused.
/// </summary>
public sealed class TapeEnergyModelTests(DeviceKind kind) : DeviceTest(kind)
{
    /// <summary>Ackley in ops: a (1 - exp(-b sqrt(mean x^2))) + e - exp(mean cos(c x)).</summary>
    private sealed class OpAckley(Device device) : BaseModel(device)
    {
        public override Var Energies(Var x) =>
            20f * (1f - (-0.2f * x.Square().Mean(1).Sqrt()).Exp()) + MathF.E - (2f * MathF.PI * x).Cos().Mean(1).Exp();
    }

    private sealed class Nothing(Device device) : BaseModel(device);

    private static void AssertClose(Tensor actual, Tensor expected, string what)
    {
        float[] a = actual.ToArray(), b = expected.ToArray();
        for (int i = 0; i < a.Length; i++) Assert.That(a[i], Is.EqualTo(b[i]).Within(1e-5f * Math.Max(1f, Math.Abs(b[i]))), $"{what}[{i}]");
    }

    /// <summary>The Gaussian and Ackley written in ops give the built-in models' energies and gradients within 1e-5.</summary>
    [Test]
    public void GaussianAndAckleyInOps_MatchTheBuiltInModels()
    {
        float[] mean = [1f, -1f, 0.5f];
        float[,] cov = { { 1f, 0.5f, 0f }, { 0.5f, 2f, 0.3f }, { 0f, 0.3f, 1.5f } };
        using var gaussian = new GaussianModel(Device, mean, cov);
        using var ackley = new AckleyModel(Device);
        var precision = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0.5, 0 }, { 0.5, 2, 0.3 }, { 0, 0.3, 1.5 } }).Inverse();
        var p = new float[3, 3];
        for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) p[i, j] = (float)precision[i, j];
        using var opGaussian = new OpGaussian(Device, mean, p);
        using var opAckley = new OpAckley(Device);
        using Tensor x = Device.Randn(32, 3, seed: 6); // away from Ackley's kink at the origin
        foreach ((BaseModel ops, BaseModel builtIn) in new (BaseModel, BaseModel)[] { (opGaussian, gaussian), (opAckley, ackley) })
        {
            using Tensor ea = ops.Forward(x), eb = builtIn.Forward(x), ga = ops.Gradient(x), gb = builtIn.Gradient(x);
            AssertClose(ea, eb, $"{builtIn.GetType().Name} energy");
            AssertClose(ga, gb, $"{builtIn.GetType().Name} gradient");
        }
    }

    /// <summary>
    /// Langevin on the op-written Gaussian (step by step through the tape) matches the discrete stationary law of the
    /// unadjusted chain, as the built-in model does: mean and covariance within 4 standard errors.
    /// </summary>
    [Test]
    public void LangevinOnTheGaussianInOps_MatchesTheDiscreteStationaryLaw()
    {
        const int chains = 10000;
        const float h = 0.1f;
        double[,] sigma = { { 1, 0.5 }, { 0.5, 2 } };
        var s = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(sigma);
        var precision = s.Inverse();
        using var model = new OpGaussian(Device, [1f, -1f], new float[,] { { (float)precision[0, 0], (float)precision[0, 1] }, { (float)precision[1, 0], (float)precision[1, 1] } });
        using Tensor samples = new LangevinDynamics(model, h, seed: 2026).Sample(dim: 2, nSteps: 300, nSamples: chains);
        var stationary = TorchEbm.Tests.Samplers.LangevinStationaryTests.DiscreteLyapunov(precision, h);
        (double[] mean, double[,] cov) = TorchEbm.Tests.Samplers.LangevinStationaryTests.Moments(samples.ToArray2D());
        double[] m = [1, -1];
        for (int i = 0; i < 2; i++)
        {
            Assert.That(Math.Abs(mean[i] - m[i]) / Math.Sqrt(stationary[i, i] / chains), Is.LessThan(4), $"mean[{i}]");
            for (int j = i; j < 2; j++)
            {
                double se = Math.Sqrt((stationary[i, i] * stationary[j, j] + stationary[i, j] * stationary[i, j]) / chains);
                Assert.That(Math.Abs(cov[i, j] - stationary[i, j]) / se, Is.LessThan(4), $"cov[{i},{j}]");
            }
        }
    }

    private static double BananaEnergy(double x1, double x2) => x1 * x1 / 8 + Math.Pow(x2 - 0.1 * x1 * x1 + 0.4, 2) / 2;

    [Test]
    public void Banana_ForwardAndGradient_EqualFloat64Formulas()
    {
        using var model = new Banana(Device);
        float[,] points = { { 0.5f, -1f }, { 2f, 1.5f }, { -3f, 0.25f }, { 1.25f, -2.5f } };
        using Tensor x = Device.FromArray(points);
        float[] energies = model.Forward(x).ToArray();
        using Tensor gradient = model.Gradient(x);
        float[,] g = gradient.ToArray2D();
        for (int i = 0; i < points.GetLength(0); i++)
        {
            double x1 = points[i, 0], x2 = points[i, 1], u = x2 - 0.1 * x1 * x1 + 0.4;
            Assert.That(energies[i], Is.EqualTo(BananaEnergy(x1, x2)).Within(1e-3).Percent); // 1e-5 relative
            Assert.That(g[i, 0], Is.EqualTo(x1 / 4 - 0.2 * x1 * u).Within(1e-5 * Math.Max(1, Math.Abs(x1))), $"dE/dx1 at row {i}");
            Assert.That(g[i, 1], Is.EqualTo(u).Within(1e-5 * Math.Max(1, Math.Abs(u))), $"dE/dx2 at row {i}");
        }
    }

    [Test]
    public void RosenbrockInOps_MatchesTheBuiltInModel()
    {
        using var ops = new OpRosenbrock(Device);
        using var builtIn = new RosenbrockModel(Device);
        using Tensor x = Device.Randn(16, 5, seed: 4);
        float[] a = ops.Forward(x).ToArray(), b = builtIn.Forward(x).ToArray();
        for (int i = 0; i < a.Length; i++) Assert.That(a[i], Is.EqualTo(b[i]).Within(1e-5f * Math.Max(1f, Math.Abs(b[i]))));
        using Tensor ga = ops.Gradient(x), gb = builtIn.Gradient(x);
        float[] fa = ga.ToArray(), fb = gb.ToArray();
        for (int i = 0; i < fa.Length; i++) Assert.That(fa[i], Is.EqualTo(fb[i]).Within(1e-5f * Math.Max(1f, Math.Abs(fb[i]))));
    }

    [Test]
    public void ModelDefiningOnlyEnergies_WorksWithLangevinMalaAndContrastiveDivergence()
    {
        using var model = new Banana(Device);
        using Tensor langevin = new LangevinDynamics(model, 0.05f, seed: 1).Sample(dim: 2, nSteps: 20, nSamples: 64);
        using ChainResult mala = new MetropolisAdjustedLangevin(model, 0.2f, seed: 1).SampleChain(2, 20, 64);
        Assert.That(langevin.ToArray().All(float.IsFinite) && mala.Samples.ToArray().All(float.IsFinite));
        Assert.That(mala.Info!.MeanAcceptance, Is.GreaterThan(0.3f));

        using Tensor data = Device.Randn(32, 2, seed: 2);
        var loss = new ContrastiveDivergence(new LangevinDynamics(model, 0.05f, seed: 3), k: 5);
        using Var value = loss.Compute(model, data);
        Assert.That(float.IsFinite(value.Value.ToArray()[0]));
    }

    /// <summary>Gradient records even inside Tape.NoGrad (a sampler may run under one), and nothing is left on the device.</summary>
    [Test]
    public void Gradient_InsideNoGrad_StillDifferentiates_AndLeaksNothing()
    {
        using var model = new Banana(Device);
        using Tensor x = Device.FromArray(new float[,] { { 1f, 2f } });
        long live = Device.LiveTensors;
        using (Tape.NoGrad())
        {
            using Tensor g = model.Gradient(x);
            Assert.That(g.ToArray()[1], Is.EqualTo(2f - 0.1f + 0.4f).Within(1e-6f));
        }
        Assert.That(Device.LiveTensors, Is.EqualTo(live));
    }

    [Test]
    public void ReadmeTapeEnergy_IsTheCodeThisTestDefines() =>
        Assert.That(ReadmeCode.Block("### Written in tape ops").Where(l => !l.StartsWith("using ")),
            Is.EqualTo(ReadmeCode.Marked("Engine.Tests/Models/TapeEnergyModelTests.cs", "tape energy")));

    [Test]
    public void ModelDefiningNothing_IsRefusedAtConstruction()
    {
        var e = Assert.Throws<InvalidOperationException>(() => _ = new Nothing(Device))!;
        Assert.That(e.Message, Does.Contain("Energies(Var)").And.Contain("Forward(Tensor) and Gradient(Tensor)"));
    }
}

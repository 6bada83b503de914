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
    /// <summary>Rosenbrock in ops over any d >= 2: sum_i b (x_{i+1} - x_i^2)^2 + (a - x_i)^2, a = 1, b = 100.</summary>
    private sealed class OpRosenbrock(Device device) : BaseModel(device)
    {
        public override Var Energies(Var x)
        {
            int d = x.Shape[1];
            Var head = x.Columns(0, d - 1), tail = x.Columns(1, d - 1);
            return (100f * (tail - head.Square()).Square() + (1f - head).Square()).Sum(1);
        }
    }

    private sealed class Nothing(Device device) : BaseModel(device);

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
        using Tensor langevin = new LangevinDynamics(model, 0.05f, seed: 1).Sample(64, 2, 20);
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

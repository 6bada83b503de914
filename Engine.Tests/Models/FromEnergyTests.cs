using TorchEbm.Autodiff;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Models;

/// <summary>
/// A model from a function of the batch (<see cref="BaseModel.FromEnergy"/>, <see cref="BaseModel.FromLogDensity"/>):
/// energies and gradients equal the closed form, samplers run on it, and a function returning the wrong thing is
/// refused by name before anything reads its result.
/// </summary>
public sealed class FromEnergyTests(DeviceKind kind) : DeviceTest(kind)
{
    /// <summary>Haario's banana, E = x1^2 / 8 + (x2 - 0.1 x1^2 + 0.4)^2 / 2, and its gradient in float64.</summary>
    private static (double Energy, double G1, double G2) Banana(double x1, double x2)
    {
        double u = x2 - 0.1 * x1 * x1 + 0.4;
        return (x1 * x1 / 8 + u * u / 2, x1 / 4 - 0.2 * x1 * u, u);
    }

    private static Var BananaEnergy(Var x)
    {
        Var x1 = x.Column(0), x2 = x.Column(1);
        return x1.Square() / 8f + (x2 - 0.1f * x1.Square() + 0.4f).Square() / 2f;
    }

    [Test]
    public void FromEnergy_ForwardAndGradient_MatchTheClosedForm()
    {
        using BaseModel model = BaseModel.FromEnergy(Device, 2, BananaEnergy);
        Assert.That(model.Dim, Is.EqualTo(2));
        using Tensor x = Device.Randn(17, 2, seed: 3);
        using Tensor energies = model.Forward(x), gradient = model.Gradient(x);
        float[,] xs = x.ToArray2D(), g = gradient.ToArray2D();
        float[] e = energies.ToArray();
        for (int i = 0; i < 17; i++)
        {
            (double energy, double g1, double g2) = Banana(xs[i, 0], xs[i, 1]);
            Assert.That(e[i], Is.EqualTo(energy).Within(1e-5 * Math.Max(1, Math.Abs(energy))), $"energy[{i}]");
            Assert.That(g[i, 0], Is.EqualTo(g1).Within(1e-5 * Math.Max(1, Math.Abs(g1))), $"gradient[{i}, 0]");
            Assert.That(g[i, 1], Is.EqualTo(g2).Within(1e-5 * Math.Max(1, Math.Abs(g2))), $"gradient[{i}, 1]");
        }
    }

    [Test]
    public void FromLogDensity_IsTheNegatedEnergy()
    {
        using BaseModel fromEnergy = BaseModel.FromEnergy(Device, 2, BananaEnergy);
        using BaseModel fromLogDensity = BaseModel.FromLogDensity(Device, 2, x => -BananaEnergy(x));
        using Tensor x = Device.Randn(9, 2, seed: 4);
        using Tensor a = fromEnergy.Forward(x), b = fromLogDensity.Forward(x), ga = fromEnergy.Gradient(x), gb = fromLogDensity.Gradient(x);
        Assert.That(b.ToArray(), Is.EqualTo(a.ToArray()));
        Assert.That(gb.ToArray(), Is.EqualTo(ga.ToArray()));
    }

    /// <summary>
    /// HMC on a lambda Gaussian with standard deviations (1, 3): 256 chains after 300 transitions have the target's
    /// variances within 5 standard errors (the sd of a sample variance of independent draws is s^2 sqrt(2 / n)).
    /// </summary>
    [Test]
    public void HamiltonianMonteCarloOnALambda_ReachesTheTarget()
    {
        using BaseModel model = BaseModel.FromEnergy(Device, 2, x => 0.5f * x.Column(0).Square() + x.Column(1).Square() / 18f);
        var hmc = new HamiltonianMonteCarlo(model, stepSize: 0.5f, nLeapfrogSteps: 5, seed: 7);
        using Tensor samples = hmc.Sample(dim: 2, nSteps: 300, nSamples: 256);
        float[,] s = samples.ToArray2D();
        double[] variance = [1, 9];
        for (int j = 0; j < 2; j++)
        {
            double mean = 0, squares = 0;
            for (int i = 0; i < 256; i++) { mean += s[i, j]; squares += s[i, j] * (double)s[i, j]; }
            mean /= 256;
            double v = squares / 256 - mean * mean;
            Assert.That(Math.Abs(v - variance[j]), Is.LessThan(5 * variance[j] * Math.Sqrt(2.0 / 256)), $"variance of x{j}");
        }
    }

    [Test]
    public void Arguments_NullOrDimBelowOne_AreRefused()
    {
        Assert.That(Assert.Throws<ArgumentNullException>(() => BaseModel.FromEnergy(Device, 2, null!))!.ParamName, Is.EqualTo("energy"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => BaseModel.FromLogDensity(Device, 2, null!))!.ParamName, Is.EqualTo("logDensity"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => BaseModel.FromEnergy(null!, 2, BananaEnergy))!.ParamName, Is.EqualTo("device"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => BaseModel.FromEnergy(Device, 0, BananaEnergy))!.ParamName, Is.EqualTo("dim"));
    }

    public static IEnumerable<TestCaseData> WrongResults()
    {
        yield return new TestCaseData((Func<Var, Var>)(x => x.Sum(1).Reshape(x.Shape[0], 1)), "shape (4, 1)").SetName("(n, 1) energies");
        yield return new TestCaseData((Func<Var, Var>)(x => x.Sum(0)), "shape (2,)").SetName("column sums");
        yield return new TestCaseData((Func<Var, Var>)(x => x), "its input x").SetName("the input itself");
        yield return new TestCaseData((Func<Var, Var>)(_ => null!), "null").SetName("null");
    }

    [TestCaseSource(nameof(WrongResults))]
    public void AFunctionReturningTheWrongThing_IsRefusedNamingIt(Func<Var, Var> energy, string returned)
    {
        using BaseModel model = BaseModel.FromEnergy(Device, 2, energy);
        using Tensor x = Device.Randn(4, 2, seed: 5);
        foreach (Action call in new Action[] { () => model.Forward(x).Dispose(), () => model.Gradient(x).Dispose() })
        {
            ArgumentException e = Assert.Throws<ArgumentException>(() => call())!;
            Assert.That(e.ParamName, Is.EqualTo("energy"));
            Assert.That(e.Message, Does.Contain("FromEnergy").And.Contain(returned).And.Contain("(4,)"));
        }
        var sampler = new HamiltonianMonteCarlo(model, stepSize: 0.1f, seed: 1);
        Assert.That(Assert.Throws<ArgumentException>(() => sampler.Sample(dim: 2, nSteps: 3, nSamples: 4))!.ParamName, Is.EqualTo("energy"));
    }

    [Test]
    public void SamplesOfAnotherDimension_AreRefused()
    {
        using BaseModel model = BaseModel.FromEnergy(Device, 2, BananaEnergy);
        using Tensor x = Device.Randn(4, 3, seed: 5);
        Assert.That(Assert.Throws<ArgumentException>(() => model.Forward(x))!.Message, Does.Contain("dimension 2"));
        var sampler = new HamiltonianMonteCarlo(model, stepSize: 0.1f, seed: 1);
        Assert.Throws<ArgumentException>(() => sampler.Sample(dim: 3, nSteps: 3, nSamples: 4));
    }
}

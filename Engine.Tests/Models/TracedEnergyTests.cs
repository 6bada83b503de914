using TorchEbm.Autodiff;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Posteriors;
using TorchEbm.Tests.Support;
using TorchEbm.Traced;

namespace TorchEbm.Tests.Models;

/// <summary>
/// Models written in tape ops run traced: their energy is recorded once per dimension and interpreted per chain inside the
/// chain kernel. The traced energy and dE/dx equal the tape's, samplers on a traced model equal the step-by-step path, and
/// models that cannot be replayed per row keep the step-by-step path with a reason.
/// </summary>
public sealed class TracedEnergyTests(DeviceKind kind) : DeviceTest(kind)
{
    /// <summary>Rosenbrock in ops over any d >= 2 (a = 1, b = 100).</summary>
    private sealed class OpRosenbrock(Device device) : BaseModel(device)
    {
        public override Var Energies(Var x)
        {
            int d = x.Shape[1];
            Var head = x.Columns(0, d - 1), tail = x.Columns(1, d - 1);
            return (100f * (tail - head.Square()).Square() + (1f - head).Square()).Sum(1);
        }
    }

    /// <summary>The Gaussian in ops: E(x) = 0.5 (x - m)^T P (x - m), P a constant the model holds.</summary>
    private sealed class OpGaussian(Device device, float[] mean, float[,] precision) : BaseModel(device)
    {
        public Tensor Mean { get; } = device.FromArray(mean, mean.Length);

        public Tensor Precision { get; } = device.FromArray(precision);

        public override int? Dim => Mean.Dim(0);

        public override Var Energies(Var x)
        {
            Var u = x - Var.Constant(Mean);
            return 0.5f * (u.MatMul(Var.Constant(Precision)) * u).Sum(1);
        }

        public override void Dispose()
        {
            Mean.Dispose();
            Precision.Dispose();
            base.Dispose();
        }
    }

    /// <summary>One element-wise function applied to scaled x, summed per row, with its function made by <paramref name="map"/>.</summary>
    private sealed class OneFunction(Device device, Func<Var, Var> map) : BaseModel(device)
    {
        public override int? Dim => 3;

        public override Var Energies(Var x) => map(0.5f * x + 1.5f).Sum(1);
    }

    /// <summary>A model built from a function, for the cases below.</summary>
    private BaseModel Model(int dim, Func<Var, Var> energy) => BaseModel.FromEnergy(Device, dim, energy);

    private static readonly float[] GaussianMean = [1f, -1f, 0.5f];
    private static readonly float[,] GaussianPrecision = { { 1.2f, -0.3f, 0f }, { -0.3f, 0.8f, 0.1f }, { 0f, 0.1f, 2f } };

    private OpGaussian Gaussian() => new(Device, GaussianMean, GaussianPrecision);

    /// <summary>Rows in (-1, 1) with a fixed seed.</summary>
    private Tensor Points(int rows, int dim, int seed = 5)
    {
        var random = new Random(seed);
        return Device.FromArray([.. Enumerable.Range(0, rows * dim).Select(_ => (float)(random.NextDouble() * 2 - 1))], rows, dim);
    }

    /// <summary>
    /// The traced energies and gradients at 33 rows equal the tape's within 4 float32 ulps of the larger terms (the same
    /// formulas; only summation order and fused multiply-adds may differ).
    /// </summary>
    private void AssertTracedMatchesTape(BaseModel model, int dim, float tolerance = 1e-5f)
    {
        TracedEnergySource traced = model.TracedSource ?? throw new AssertionException("The model has no traced source.");
        Assert.That(traced.Traces(dim), Is.True, traced.Status(dim));
        using Tensor x = Points(33, dim);
        using Tensor energies = traced.Energies(x), tape = model.Forward(x);
        using Tensor gradients = traced.Gradients(x), tapeGradients = model.Gradient(x);
        AssertClose(energies.ToArray(), tape.ToArray(), tolerance, "energy");
        AssertClose(gradients.ToArray(), tapeGradients.ToArray(), tolerance, "dE/dx");
    }

    private static void AssertClose(float[] actual, float[] expected, float tolerance, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length));
        for (int i = 0; i < actual.Length; i++)
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(tolerance * Math.Max(1f, Math.Abs(expected[i]))), $"{what}[{i}]");
    }

    [Test]
    public void OpRosenbrock_TracedEnergyAndGradient_EqualTheTape()
    {
        using var model = new OpRosenbrock(Device);
        AssertTracedMatchesTape(model, dim: 5);
        AssertTracedMatchesTape(model, dim: 2); // another dimension: traced anew
    }

    [Test]
    public void OpGaussian_TracedEnergyAndGradient_EqualTheTape()
    {
        using OpGaussian model = Gaussian();
        AssertTracedMatchesTape(model, dim: 3);
        Assert.That(model.IsTraced, Is.True, model.TraceStatus);
        Assert.That(model.TraceStatus, Does.Contain("runs traced"));
    }

    /// <summary>Every element-wise function a program applies (one generated case per <see cref="UnaryCode"/>).</summary>
    private static IEnumerable<TestCaseData> Functions()
    {
        foreach (UnaryCode code in Enum.GetValues<UnaryCode>())
        {
            Func<Var, Var> map = code switch
            {
                UnaryCode.Square => v => v.Square(),
                UnaryCode.Exp => v => v.Exp(),
                UnaryCode.Log => v => v.Log(),
                UnaryCode.Power => v => v.Pow(2.5f),
                UnaryCode.Sqrt => v => v.Sqrt(),
                UnaryCode.Abs => v => (v - 1.5f).Abs(),
                UnaryCode.Sin => v => v.Sin(),
                UnaryCode.Cos => v => v.Cos(),
                UnaryCode.Tanh => v => v.Tanh(),
                UnaryCode.Sigmoid => v => v.Sigmoid(),
                UnaryCode.Softplus => v => v.Softplus(),
                UnaryCode.ReLU => v => (v - 1.5f).Apply(Activation.ReLU),
                UnaryCode.LeakyReLU => v => (v - 1.5f).Apply(Activation.LeakyReLU),
                UnaryCode.ELU => v => (v - 1.5f).Apply(Activation.ELU),
                UnaryCode.GELU => v => (v - 1.5f).Apply(Activation.GELU),
                UnaryCode.SiLU => v => (v - 1.5f).Apply(Activation.SiLU),
                _ => throw new ArgumentOutOfRangeException(nameof(code)),
            };
            yield return new TestCaseData(code, map).SetArgDisplayNames(code.ToString());
        }
    }

    [TestCaseSource(nameof(Functions))]
    public void ElementwiseFunction_TracedEnergyAndGradient_EqualTheTape(UnaryCode code, Func<Var, Var> map)
    {
        using var model = new OneFunction(Device, map);
        AssertTracedMatchesTape(model, dim: 3);
    }

    /// <summary>Broadcasting arithmetic in each of its forms (same shape, column against row, rank-1 data rows, scalars, bias).</summary>
    [Test]
    public void BroadcastArithmetic_TracedEnergyAndGradient_EqualTheTape()
    {
        using Tensor row = Device.FromArray([0.5f, -1f, 2f, 0.25f], 4), bias = Device.FromArray([0.1f, 0.2f, 0.3f], 3);
        using BaseModel model = Model(3, x =>
        {
            Var c = x.Columns(1, 1), data = Var.Constant(row);
            Var a = (c - data) / (x.Column(0).Reshape(x.Shape[0], 1).Exp() + 1f) * data;       // (n, 1) against (4)
            Var b = x * x / (2f + x.Square()) - x.AddBias(Var.Constant(bias)) * 3f; // same shapes, bias, scalars
            Var joined = Var.Concat([a, b, x.Columns(2, 1)], dim: 1);
            return joined.Square().Sum(1) + (1f - joined).Mean(1);
        });
        AssertTracedMatchesTape(model, dim: 3);
    }

    /// <summary>The posteriordb models written in tape ops run traced with the tape's energies and gradients.</summary>
    [TestCase("eight_schools-eight_schools_noncentered")]
    [TestCase("arK-arK")]
    [TestCase("kidiq-kidscore_momiq")]
    [TestCase("kidiq-kidscore_interaction")]
    [TestCase("arma-arma11")]
    [TestCase("low_dim_gauss_mix-low_dim_gauss_mix")]
    public void Posterior_TracedEnergyAndGradient_EqualTheTape(string posterior)
    {
        using PosteriorModel model = PosteriorCatalogue.Create(posterior, Device);
        Assert.That(model.IsTraced, Is.True, model.TraceStatus);
        AssertTracedMatchesTape(model, model.Dimension, tolerance: 1e-4f);
    }
}

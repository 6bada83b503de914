using TorchEbm.Models;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Models;

/// <summary>Bad model arguments and inputs get an ArgumentException naming the argument, before any launch.</summary>
public sealed class ModelValidationTests(DeviceKind kind) : DeviceTest(kind)
{
    [Test]
    public void Gaussian_WithNonSpdCovariance_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new GaussianModel(Device, [0f, 0f], new float[,] { { 1, 2 }, { 2, 1 } }))!;
        Assert.That(e.ParamName, Is.EqualTo("cov"));
        Assert.That(e.Message, Does.Contain("positive definite"));
    }

    [Test]
    public void Gaussian_WithAsymmetricCovariance_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new GaussianModel(Device, [0f, 0f], new float[,] { { 1, 0.5f }, { 0.4f, 1 } }))!;
        Assert.That(e.ParamName, Is.EqualTo("cov"));
        Assert.That(e.Message, Does.Contain("symmetric"));
    }

    [Test]
    public void Gaussian_WithMismatchedShapes_NamesBothShapes()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new GaussianModel(Device, [0f, 0f, 0f], new float[,] { { 1, 0 }, { 0, 1 } }))!;
        Assert.That(e.Message, Does.Contain("(3, 3)").And.Contain("(2, 2)"));
    }

    [Test]
    public void Forward_WithWrongDimension_NamesShapes()
    {
        using var model = new GaussianModel(Device, [0f, 0f], new float[,] { { 1, 0 }, { 0, 1 } });
        using Tensor x = Device.Zeros(4, 3);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(x))!;
        Assert.That(e.ParamName, Is.EqualTo("x"));
        Assert.That(e.Message, Does.Contain("(4, 3)").And.Contain("(n, 2)"));
    }

    [Test]
    public void Forward_WithRankOneInput_Throws()
    {
        using var model = new HarmonicModel(Device);
        using Tensor x = Device.Zeros(4);
        Assert.Throws<ArgumentException>(() => model.Gradient(x));
    }

    [Test]
    public void Rosenbrock_InOneDimension_Throws()
    {
        using var model = new RosenbrockModel(Device);
        using Tensor x = Device.Zeros(4, 1);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(x))!;
        Assert.That(e.Message, Does.Contain(">= 2"));
    }

    [Test]
    public void Forward_OnDisposedInput_Throws()
    {
        using var model = new HarmonicModel(Device);
        Tensor x = Device.Zeros(4, 2);
        x.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.Forward(x));
    }

    [Test]
    public void Forward_WithInputOnAnotherDevice_Throws()
    {
        using var model = new HarmonicModel(Device);
        using Device other = Device.Create(DeviceKind.Cpu);
        using Tensor x = other.Zeros(4, 2);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(x))!;
        Assert.That(e.Message, Does.Contain("lives on"));
    }

    [TestCase(0f)]
    [TestCase(-1f)]
    [TestCase(float.NaN)]
    public void Harmonic_WithBadStiffness_Throws(float k)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new HarmonicModel(Device, k))!;
        Assert.That(e.ParamName, Is.EqualTo("k"));
    }
}

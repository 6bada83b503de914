using TorchEbm.Autodiff;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Models;

/// <summary>
/// A user's model whose Forward or Gradient returns the wrong shape is caught on the host with an
/// InvalidOperationException naming the model, the method and both shapes, before a kernel reads out of range.
/// </summary>
public sealed class MisbehavingModelTests(DeviceKind kind) : DeviceTest(kind)
{
    /// <summary>Energies of shape (n + extraRows) and gradients of shape (n, d + extraColumns), or x itself.</summary>
    private sealed class WrongShapeModel(Device device, int extraRows = 0, int extraColumns = 0, bool returnInput = false) : BaseModel(device)
    {
        public override Tensor Forward(Tensor x) => Device.Zeros(x.Dim(0) + extraRows);

        public override Tensor Gradient(Tensor x) => returnInput ? x : Device.Zeros(x.Dim(0), x.Dim(1) + extraColumns);
    }

    [Test]
    public void StepByStepLangevin_WithTooNarrowGradient_Throws()
    {
        var sampler = new LangevinDynamics(new WrongShapeModel(Device, extraColumns: -1), stepSize: 0.01f, seed: 1);
        var e = Assert.Throws<InvalidOperationException>(() => sampler.Sample(dim: 3, nSteps: 4, nSamples: 16).Dispose())!;
        Assert.That(e.Message, Does.Contain("WrongShapeModel.Gradient").And.Contain("(16, 2)").And.Contain("(16, 3)"));
    }

    [Test]
    public void StepByStepLangevin_WithGradientReturningItsInput_Throws()
    {
        var sampler = new LangevinDynamics(new WrongShapeModel(Device, returnInput: true), stepSize: 0.01f, seed: 1);
        using Tensor x = Device.Zeros(4, 2);
        var e = Assert.Throws<InvalidOperationException>(() => sampler.SampleStep(x).Dispose())!;
        Assert.That(e.Message, Does.Contain("its input x"));
        Assert.That(x.IsDisposed, Is.False);
    }

    [Test]
    public void Diagnostics_WithTooShortEnergies_Throws()
    {
        var sampler = new LangevinDynamics(new WrongShapeModel(Device, extraRows: -1), stepSize: 0.01f, seed: 1);
        var options = new SampleOptions { ReturnDiagnostics = true };
        var e = Assert.Throws<InvalidOperationException>(() => sampler.SampleChain(2, 4, 8, options).Dispose())!;
        Assert.That(e.Message, Does.Contain("WrongShapeModel.Forward").And.Contain("(31,)").And.Contain("(32,)"));
    }

    [Test]
    public void Composite_WithWrongShapePart_Throws()
    {
        using var harmonic = new HarmonicModel(Device);
        using var composite = new CompositeModel([harmonic, new WrongShapeModel(Device, extraRows: 5, extraColumns: 1)]);
        using Tensor x = Device.Zeros(4, 2);
        Assert.Throws<InvalidOperationException>(() => composite.Forward(x).Dispose());
        Assert.Throws<InvalidOperationException>(() => composite.Gradient(x).Dispose());
    }

    [Test]
    public void Score_WithWrongShapeGradient_Throws()
    {
        using var model = new WrongShapeModel(Device, extraColumns: 2);
        using Tensor x = Device.Zeros(4, 2);
        Assert.Throws<InvalidOperationException>(() => model.Score(x).Dispose());
    }

    [Test]
    public void ContrastiveDivergence_WithWrongShapeEnergies_Throws()
    {
        var model = new WrongShapeModel(Device, extraRows: -3);
        var sampler = new LangevinDynamics(model, stepSize: 0.01f, seed: 1);
        using var loss = new ContrastiveDivergence(sampler, k: 1);
        using Tensor data = Device.Randn(8, 2, seed: 3);
        var e = Assert.Throws<InvalidOperationException>(() => loss.Compute(model, data).Dispose())!;
        Assert.That(e.Message, Does.Contain("WrongShapeModel.Forward").And.Contain("(16,)"));
    }

    /// <summary>An analytic energy that reads coordinate 1, so it needs samples of dimension >= 2.</summary>
    public readonly struct SecondCoordinate : TorchEbm.Energies.IEnergy
    {
        public float Energy(ILGPU.ArrayView<float> x) => 0.5f * x[1] * x[1];

        public void AddGradient(ILGPU.ArrayView<float> x, ILGPU.ArrayView<float> gradient, float weight) => gradient[1] += weight * x[1];
    }

    private sealed class SecondCoordinateModel(Device device) : AnalyticModel<SecondCoordinate>(device)
    {
        public override SecondCoordinate Energy => default;

        protected override int MinDim => 2;
    }

    [Test]
    public void ContrastiveDivergence_WithDataBelowTheEnergysMinimumDimension_ThrowsBeforeSampling()
    {
        using var model = new SecondCoordinateModel(Device);
        using var loss = new ContrastiveDivergence(new LangevinDynamics(model, stepSize: 0.01f, seed: 1), k: 2);
        using Tensor data = Device.Zeros(8, 1);
        var e = Assert.Throws<ArgumentException>(() => loss.Compute(model, data).Dispose())!;
        Assert.That(e.ParamName, Is.EqualTo("data"));
        Assert.That(e.Message, Does.Contain(">= 2"));
    }

    [Test]
    public void RightShapedUserModel_StillSamples()
    {
        using var harmonic = new HarmonicModel(Device);
        var sampler = new LangevinDynamics(new OpaqueModel(harmonic), stepSize: 0.01f, seed: 1);
        using Tensor samples = sampler.Sample(dim: 3, nSteps: 4, nSamples: 16);
        Assert.That(samples.Shape, Is.EqualTo(new[] { 16, 3 }));
    }
}

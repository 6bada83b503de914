using TorchEbm.Autodiff;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Models;

/// <summary>A disposed model throws ObjectDisposedException from every path instead of reading freed device memory.</summary>
public sealed class DisposedModelTests(DeviceKind kind) : DeviceTest(kind)
{
    private GaussianModel DisposedGaussian()
    {
        var model = new GaussianModel(Device, [0f, 0f], new float[,] { { 1, 0 }, { 0, 1 } });
        model.Dispose();
        return model;
    }

    [Test]
    public void Forward_OfDisposedGaussian_Throws()
    {
        GaussianModel model = DisposedGaussian();
        using Tensor x = Device.Zeros(4, 2);
        Assert.That(model.IsDisposed, Is.True);
        Assert.Throws<ObjectDisposedException>(() => model.Forward(x).Dispose());
    }

    [Test]
    public void Gradient_OfDisposedGaussian_Throws()
    {
        GaussianModel model = DisposedGaussian();
        using Tensor x = Device.Zeros(4, 2);
        Assert.Throws<ObjectDisposedException>(() => model.Gradient(x).Dispose());
        Assert.Throws<ObjectDisposedException>(() => model.Score(x).Dispose());
    }

    [Test]
    public void FusedLangevin_OnDisposedGaussian_Throws()
    {
        var sampler = new LangevinDynamics(DisposedGaussian(), stepSize: 0.01f, seed: 1);
        Assert.Throws<ObjectDisposedException>(() => sampler.Sample(dim: 2, nSteps: 10, nSamples: 8).Dispose());
        using Tensor x = Device.Zeros(8, 2);
        Assert.Throws<ObjectDisposedException>(() => sampler.SampleStep(x).Dispose());
    }

    [Test]
    public void Composite_HoldingADisposedPart_Throws()
    {
        using var live = new HarmonicModel(Device);
        GaussianModel dead = DisposedGaussian();
        using var composite = new CompositeModel([live, dead]);
        using Tensor x = Device.Zeros(4, 2);
        Assert.That(composite.IsFused, Is.True);
        Assert.Throws<ObjectDisposedException>(() => composite.Forward(x).Dispose());
        Assert.Throws<ObjectDisposedException>(() => composite.Gradient(x).Dispose());
        var sampler = new LangevinDynamics(composite, stepSize: 0.01f, seed: 1);
        Assert.Throws<ObjectDisposedException>(() => sampler.Sample(dim: 2, nSteps: 10, nSamples: 8).Dispose());
    }

    [Test]
    public void Composite_WithOpaqueAndDisposedPart_Throws()
    {
        using var live = new HarmonicModel(Device);
        var opaque = new OpaqueModel(live);
        GaussianModel dead = DisposedGaussian();
        using var composite = new CompositeModel([opaque, dead]);
        using Tensor x = Device.Zeros(4, 2);
        Assert.That(composite.IsFused, Is.False);
        Assert.Throws<ObjectDisposedException>(() => composite.Gradient(x).Dispose());
    }

    [Test]
    public void DisposedComposite_Throws_ButItsPartsLiveOn()
    {
        using var a = new HarmonicModel(Device);
        using var b = new DoubleWellModel(Device);
        var composite = new CompositeModel([a, b]);
        composite.Dispose();
        using Tensor x = Device.Zeros(4, 2);
        Assert.Throws<ObjectDisposedException>(() => composite.Forward(x).Dispose());
        using Tensor energies = a.Forward(x);
        Assert.That(energies.ToArray(), Is.All.EqualTo(0f));
    }

    [Test]
    public void DisposedNeuralNetworkModel_Throws_OnFusedAndTapePaths()
    {
        var model = new NeuralNetworkModel(new MLP(Device, 2, [8], 1, seed: 0));
        Assert.That(model.IsFused, Is.True);
        model.Dispose();
        using Tensor x = Device.Zeros(4, 2);
        Assert.Throws<ObjectDisposedException>(() => model.Forward(x).Dispose());
        Assert.Throws<ObjectDisposedException>(() => model.Gradient(x).Dispose());
        using Var input = Var.Borrowed(x);
        Assert.Throws<ObjectDisposedException>(() => model.Energies(input).Dispose());
        var sampler = new LangevinDynamics(model, stepSize: 0.01f, seed: 1);
        Assert.Throws<ObjectDisposedException>(() => sampler.Sample(dim: 2, nSteps: 5, nSamples: 8).Dispose());
    }

    [Test]
    public void UserModel_DisposedThenSampled_Throws()
    {
        using var inner = new HarmonicModel(Device);
        var opaque = new OpaqueModel(inner);
        opaque.Dispose();
        // A sampler resolves a tape-ops model's traced source as it is made, so its constructor already throws.
        Assert.Throws<ObjectDisposedException>(() => new LangevinDynamics(opaque, stepSize: 0.01f, seed: 1).Sample(dim: 2, nSteps: 5, nSamples: 8).Dispose());
    }

    [Test]
    public void ContrastiveDivergence_AfterDispose_Throws()
    {
        using var model = new NeuralNetworkModel(new MLP(Device, 2, [8], 1, seed: 0));
        var sampler = new LangevinDynamics(model, stepSize: 0.01f, seed: 1);
        var loss = new ContrastiveDivergence(sampler, k: 2, persistent: true, bufferSize: 64);
        using Tensor data = Device.Randn(16, 2, seed: 3);
        loss.Compute(model, data).Dispose();
        loss.Dispose();
        Assert.That(loss.IsDisposed, Is.True);
        Assert.Throws<ObjectDisposedException>(() => loss.Compute(model, data).Dispose());
    }

    [Test]
    public void ContrastiveDivergence_WithDisposedModel_Throws()
    {
        var model = new NeuralNetworkModel(new MLP(Device, 2, [8], 1, seed: 0));
        var sampler = new LangevinDynamics(model, stepSize: 0.01f, seed: 1);
        using var loss = new ContrastiveDivergence(sampler, k: 2);
        using Tensor data = Device.Randn(16, 2, seed: 3);
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => loss.Compute(model, data).Dispose());
    }
}

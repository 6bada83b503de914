using TorchEbm.Autodiff;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Autodiff;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Models;

/// <summary>NeuralNetworkModel: energies, input gradients through the tape, and sampling with Langevin.</summary>
public sealed class NeuralNetworkModelTests(DeviceKind kind) : DeviceTest(kind)
{
    [Test]
    public void ForwardAndGradient_MatchFloat64References_AndLeaveParameterGradientsAlone()
    {
        const int n = 6;
        using var model = new NeuralNetworkModel(new MLP(Device, 2, [16, 16], 1, Activation.SiLU, seed: 4));
        double[][] parameters = model.Parameters().Select(p => p.Value.ToArray().Select(v => (double)v).ToArray()).ToArray();
        using Tensor x = Device.Randn(n, 2, seed: 9);
        double[] xs = x.ToArray().Select(v => (double)v).ToArray();

        using Tensor energies = model.Forward(x);
        using Tensor gradient = model.Gradient(x);
        Assert.That(energies.Shape, Is.EqualTo(new[] { n }));
        Assert.That(gradient.Shape, Is.EqualTo(new[] { n, 2 }));
        double[] expected = MlpGradientTests.HostMlp(parameters, xs, n, Activation.SiLU);
        Assert.That(FiniteDifferences.RelativeError(energies.ToArray(), expected), Is.LessThan(1e-5));
        double[] fd = FiniteDifferences.Gradient(z => MlpGradientTests.HostMlp(parameters, z, n, Activation.SiLU).Sum(), xs);
        Assert.That(FiniteDifferences.RelativeError(gradient.ToArray(), fd), Is.LessThan(1e-3));
        Assert.That(model.Parameters().Select(p => p.Grad), Is.All.Null, "Gradient must not touch parameter gradients");
    }

    [Test]
    public void Langevin_SamplesAnMlpEnergy_StepByStep()
    {
        using var model = new NeuralNetworkModel(new MLP(Device, 2, [8], 1, seed: 1));
        var sampler = new LangevinDynamics(model, 0.01f, seed: 2);
        using ChainResult a = sampler.SampleChain(2, 20, 64, new SampleOptions { ReturnTrajectory = true, Seed = 5 });
        using ChainResult b = sampler.SampleChain(2, 20, 64, new SampleOptions { ReturnTrajectory = true, Seed = 5 });
        Assert.That(a.Trajectory!.Shape, Is.EqualTo(new[] { 20, 64, 2 }));
        Assert.That(a.Samples.ToArray(), Is.All.Matches<float>(float.IsFinite));
        Assert.That(b.Samples.ToArray(), Is.EqualTo(a.Samples.ToArray()), "same seed, same samples");
        Assert.Throws<ArgumentException>(() => sampler.Sample(dim: 3, nSteps: 5, nSamples: 4), "the network takes 2 inputs");
    }

    [Test]
    public void NetworkWithWrongOutputWidth_IsReported()
    {
        using var model = new NeuralNetworkModel(new MLP(Device, 2, [4], 3));
        using Tensor x = Device.Zeros(5, 2);
        var e = Assert.Throws<InvalidOperationException>(() => model.Forward(x))!;
        Assert.That(e.Message, Does.Contain("(5, 3)"));
    }

    /// <summary>
    /// A network that is not a plain MLP runs on the tape; its input gradient is wanted under Tape.NoGrad too (samplers,
    /// KSD), where it must equal the gradient taken outside.
    /// </summary>
    [Test]
    public void Gradient_OfATapeNetwork_InsideNoGrad_EqualsItOutside()
    {
        using var model = new NeuralNetworkModel(new Sequential(new Linear(Device, 2, 8, seed: 1), new ActivationLayer(Device, Activation.Tanh),
            new Linear(Device, 8, 8, seed: 2), new ActivationLayer(Device, Activation.SiLU), new Linear(Device, 8, 1, seed: 3)));
        Assert.That(model.IsFused, Is.False, "mixed activations run on the tape");
        using Tensor x = Device.Randn(5, 2, seed: 1);
        using Tensor outside = model.Gradient(x);
        Tensor inside;
        using (Tape.NoGrad()) inside = model.Gradient(x);
        using (inside) Assert.That(inside.ToArray(), Is.EqualTo(outside.ToArray()));
        Assert.That(Tape.IsRecording, Is.True);
    }
}

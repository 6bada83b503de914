using TorchEbm.Autodiff;
using TorchEbm.Datasets;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Readme;

/// <summary>The README's quick start, compiled and run here; a second test keeps the README's copy identical to it.</summary>
public sealed class QuickStartTests
{
    [Test]
    public void QuickStart_Runs()
    {
        // README quick start begins
        using var device = Device.Create();
        using Tensor data = SyntheticDatasets.TwoMoons(device, n: 256, seed: 0);
        using var model = new NeuralNetworkModel(new MLP(device, inputDim: 2, hiddenDims: new[] { 32, 32 }, outputDim: 1, seed: 0));
        var sampler = new LangevinDynamics(model, stepSize: 0.01f, noiseScale: 0.1f, seed: 42);
        using var lossFn = new ContrastiveDivergence(sampler, k: 10);
        using var optimizer = new Adam(model.Parameters(), lr: 1e-3f);
        for (int epoch = 0; epoch < 100; epoch++)
        {
            optimizer.ZeroGrad();
            using Var loss = lossFn.Compute(model, data);
            loss.Backward();
            optimizer.Step();
        }
        using Tensor samples = sampler.Sample(nSamples: 100, dim: 2, nSteps: 200);
        // README quick start ends
        Assert.That(samples.Shape, Is.EqualTo(new[] { 100, 2 }));
        Assert.That(samples.ToArray(), Is.All.Matches<float>(float.IsFinite));
    }

    [Test]
    public void ReadmeQuickStart_IsTheCodeThisTestRuns() =>
        Assert.That(ReadmeCode.Marked("Engine.Tests/Readme/QuickStartTests.cs", "quick start"),
            Is.EqualTo(ReadmeCode.Block("## Quick start").Where(l => !l.StartsWith("using TorchEbm"))));
}

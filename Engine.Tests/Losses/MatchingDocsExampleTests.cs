using TorchEbm.Autodiff;
using TorchEbm.Datasets;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Losses;

/// <summary>
/// The example of docs/articles/eqm-and-em.md runs as written (the article shows exactly the marked lines): equilibrium
/// matching with an EMA, samples drawn by gradient descent with the averaged weights, the live weights back afterwards.
/// </summary>
public sealed class MatchingDocsExampleTests(DeviceKind kind) : DeviceTest(kind)
{
    [Test]
    public void Example_RunsAsTheArticleShowsIt()
    {
        Device device = Device;
        // README eqm example begins
        using var model = new NeuralNetworkModel(new MLP(device, inputDim: 2, hiddenDims: [64, 64], outputDim: 1, seed: 0));
        using var loss = new EquilibriumMatching(threshold: 0.8f, multiplier: 4f, seed: 1);
        using var adam = new Adam(model.Parameters(), lr: 3e-3f);
        using var ema = new ExponentialMovingAverage(model.Parameters(), decay: 0.99f);
        for (int step = 0; step < 1000; step++)
        {
            using Tensor batch = SyntheticDatasets.Create("eight-gaussians", device, 128, seed: step);
            adam.ZeroGrad();
            using (Var l = loss.Compute(model, batch)) l.Backward();
            adam.Step();
            ema.Update();
        }
        Tensor samples;
        using (ema.Apply()) // sample with the averaged weights; the live weights come back after the scope
            samples = new GradientDescentSampler(model, stepSize: 0.01f, seed: 2).Sample(dim: 2, nSteps: 1000, nSamples: 800);
        // README eqm example ends
        using (samples)
        {
            Assert.That(samples.ToArray(), Is.All.Matches<float>(float.IsFinite));
            Assert.That(ema.IsApplied, Is.False);
            TestContext.Out.WriteLine(EightGaussiansModes.Count(samples.ToArray()));
        }
        Assert.That(ReadmeCode.Block("## Equilibrium matching (Wang et al. 2025, arXiv 2510.02300)", "docs/articles/eqm-and-em.md").Where(l => !l.StartsWith("using TorchEbm") && l != "using var device = Device.Create();"),
            Is.EqualTo(ReadmeCode.Marked("Engine.Tests/Losses/MatchingDocsExampleTests.cs", "eqm example")));
    }
}

using TorchEbm.Autodiff;
using TorchEbm.Datasets;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;
using TorchEbm.Samplers;
using TorchEbm.Training;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Readme;

/// <summary>The README's quick start, compiled and run here; a second test keeps the README's copy identical to it.</summary>
public sealed class QuickStartTests
{
    /// <summary>
    /// The block learns two moons: at least 70% of its 1000 samples lie within 0.1 of the data, and their MMD^2 to held-out
    /// data lies within the data's own noise band (the 95th percentile of the same estimator between 20 fresh draws of the
    /// data and the same held-out data) and below a tenth of the untrained network's (sampled the same way, same bandwidth).
    /// Issue 23 measured the block before the loss's defaults changed at 24-25% near the data (26% untrained, 22% plain
    /// noise) and MMD^2 7.0e-2 against 6.9e-2 untrained: this test fails on that. With 256 data rows (the previous block)
    /// the samples sat near the data (95%) but scored MMD^2 4.2e-3 against a band of 1.4e-3 (Engine.Bench quick-start,
    /// docs/articles/training.md): 256 rows are too few to pin the moons' shape down. Measured here: 89.2% near, MMD^2
    /// 5.2e-4, band 1.4e-3 (untrained: 30.8%, 8.9e-2).
    /// </summary>
    [Test]
    [Category("Slow")]
    public void QuickStart_LearnsTwoMoons()
    {
        // README quick start begins
        using var device = Device.Create();
        using Tensor data = SyntheticDatasets.TwoMoons(device, n: 1024, seed: 0);
        using var model = new NeuralNetworkModel(new MLP(device, inputDim: 2, hiddenDims: new[] { 32, 32 }, outputDim: 1, seed: 0));
        var sampler = new LangevinDynamics(model, stepSize: 0.01f, noiseScale: 0.1f, seed: 42);
        using var lossFn = new ContrastiveDivergence(sampler, batchSize: 256);   // persistent CD-10 on 256 chains, 5% restarts, energy penalty 0.1
        using var optimizer = new Adam(model.Parameters(), lr: 3e-3f, beta1: 0.5f);
        for (int step = 0; step < 2000; step++)
        {
            optimizer.ZeroGrad();
            using Var loss = lossFn.Compute(model, data);
            loss.Backward();
            optimizer.Step();
        }
        using Tensor samples = sampler.Sample(dim: 2, nSteps: 200, nSamples: 1000);
        // README quick start ends
        Assert.That(samples.Shape, Is.EqualTo(new[] { 1000, 2 }));
        using var untrained = new NeuralNetworkModel(new MLP(device, inputDim: 2, hiddenDims: new[] { 32, 32 }, outputDim: 1, seed: 0));
        using Tensor untrainedSamples = new LangevinDynamics(untrained, stepSize: 0.01f, noiseScale: 0.1f, seed: 42).Sample(dim: 2, nSteps: 200, nSamples: 1000);
        double near = SampleQuality.NearFraction(samples, "two-moons");
        MmdBand mmd = SampleQuality.Mmd(samples, "two-moons"), before = SampleQuality.Mmd(untrainedSamples, "two-moons", mmd.Bandwidth);
        TestContext.Out.WriteLine($"within 0.1 of the data: {near:P1} (untrained {SampleQuality.NearFraction(untrainedSamples, "two-moons"):P1}); " +
                                  $"MMD^2 {mmd.Model:E2} (untrained {before.Model:E2}); the data's noise band {mmd.Band:E2}");
        Assert.That(near, Is.GreaterThanOrEqualTo(0.7), "samples within 0.1 of the data");
        Assert.That(mmd.Model, Is.LessThan(before.Model / 10), "MMD^2 to held-out data, against the untrained network's");
        Assert.That(mmd.Model, Is.LessThanOrEqualTo(mmd.Band), "MMD^2 within the data's own noise band");
    }

    [Test]
    public void ReadmeQuickStart_IsTheCodeThisTestRuns() =>
        Assert.That(ReadmeCode.Marked("Engine.Tests/Readme/QuickStartTests.cs", "quick start"),
            Is.EqualTo(ReadmeCode.Block("## Quick start").Where(l => !l.StartsWith("using TorchEbm"))));
}

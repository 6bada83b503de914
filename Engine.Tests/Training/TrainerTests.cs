using TorchEbm.Autodiff;
using TorchEbm.Datasets;
using TorchEbm.Diagnostics;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Training;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Training;

/// <summary>
/// Contrastive-divergence training learns: on a reduced budget (fewer steps, smaller batches) the model's samples come
/// ten times closer to held-out data in MMD^2 than an untrained model's, and the full defaults give the eight
/// Gaussians a well and a share of the samples each. The MMD figures of the defaults are measured by `torchebm train`.
/// </summary>
public sealed class TrainerTests(DeviceKind kind) : DeviceTest(kind)
{
    // The defaults' regime (persistent CD, 2-64-64-1, samples as long as a training chain lives) on about a quarter of
    // their optimizer steps and half their batch.
    private static TrainingOptions Reduced(string dataset) => new()
    {
        Dataset = dataset, Steps = 400, BatchSize = 128, DataSize = 4000, EvalSamples = 600,
    };

    [TestCase("eight-gaussians")]
    [TestCase("gaussian-mixture")]
    public void Training_BringsSamplesTenTimesCloserToTheData(string dataset)
    {
        TrainingOptions options = Reduced(dataset);
        float untrained = UntrainedMmd(options);
        using TrainingResult result = Trainer.Run(Device, options);
        TestContext.Out.WriteLine($"{dataset}: MMD^2 untrained {untrained:E3}, trained {result.Mmd:E3}, data vs data {result.DataMmd:E3}, {result.Seconds:F1} s");
        Assert.That(result.DivergedAt, Is.Null);
        Assert.That(result.Losses, Has.Count.EqualTo(options.Steps));
        Assert.That(result.Mmd, Is.LessThan(untrained / 10), "trained samples are far closer to the data than untrained ones");
    }

    [Test]
    public void EightGaussians_EveryModeGetsAWellAndItsShareOfSamples()
    {
        // The defaults themselves (fewer final samples): what energy.png of `torchebm train` shows, as numbers.
        var options = new TrainingOptions { EvalSamples = 800 };
        using TrainingResult result = Trainer.Run(Device, options);
        var modes = EightGaussiansModes.Count(result.Samples.ToArray());
        TestContext.Out.WriteLine($"{modes}; MMD^2 {result.Mmd:E3}, {result.Seconds:F1} s");
        modes.AssertEveryModeGetsAWellAndItsShare();
    }

    [Test]
    public void DivergingRun_StopsAndKeepsTheLastFiniteParameters()
    {
        // A huge learning rate drives the energies to overflow within a few steps.
        var options = Reduced("two-moons") with { Steps = 200, Lr = 1e6f, EvalSamples = 10 };
        using TrainingResult result = Trainer.Run(Device, options);
        Assert.That(result.DivergedAt, Is.Not.Null);
        Assert.That(result.Losses, Has.Count.EqualTo(result.DivergedAt!.Value));
        Assert.That(result.Model.Parameters().SelectMany(p => p.Value.ToArray()), Is.All.Matches<float>(float.IsFinite));
    }

    [Test]
    public void FinalSamples_RunAsLongAsATrainingChainLives()
    {
        var defaults = new TrainingOptions();
        Assert.Multiple(() =>
        {
            Assert.That(defaults.SampleSteps, Is.EqualTo(defaults.K / defaults.ReinitFraction).Within(0.5), "K / reinit fraction");
            Assert.That((defaults with { ReinitFraction = 1f }).SampleSteps, Is.EqualTo(defaults.K), "short-run: K");
            Assert.That((defaults with { Persistent = false }).SampleSteps, Is.EqualTo(defaults.K), "CD from the data: K");
            // Never restarted: every buffer row is advanced K steps per pass over the ring; 1500 * 256 / 10000 -> 39 passes.
            Assert.That((defaults with { ReinitFraction = 0f }).SampleSteps, Is.EqualTo(defaults.K * 39));
            Assert.That((defaults with { EvalSteps = 7 }).SampleSteps, Is.EqualTo(7), "an explicit count wins");
        });
    }

    [TestCase("sm")]
    [TestCase("ssm")]
    [TestCase("dsm")]
    public void FinalSamples_OfScoreMatching_IgnoreTheChainOptions(string loss)
    {
        var options = new TrainingOptions { Loss = loss, K = 50, ReinitFraction = 0.5f };
        Assert.Multiple(() =>
        {
            Assert.That(options.SampleSteps, Is.EqualTo(TrainingOptions.ScoreMatchingSampleSteps));
            Assert.That((options with { EvalSteps = 7 }).SampleSteps, Is.EqualTo(7));
        });
    }

    [Test]
    public void BadOptions_AreRejectedBeforeAnyLaunch()
    {
        Assert.Throws<ArgumentException>(() => Trainer.Run(Device, new TrainingOptions { Dataset = "spiral" }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Run(Device, new TrainingOptions { BatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Run(Device, new TrainingOptions { K = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Run(Device, new TrainingOptions { Lr = float.NaN }));
    }

    [Test]
    public void BadLossOptions_AreRejectedNamingTheOption()
    {
        Assert.Multiple(() =>
        {
            var unknown = Assert.Throws<ArgumentException>(() => Trainer.Run(Device, new TrainingOptions { Loss = "foo" }));
            Assert.That(unknown!.ParamName, Is.EqualTo("Loss"));
            Assert.That(unknown.Message, Does.Contain("'foo'").And.Contain("cd, sm, ssm, dsm"));
            foreach (float sigma in new[] { 0f, -1f, float.NaN, float.PositiveInfinity })
                Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Run(Device, new TrainingOptions { Loss = "dsm", Sigma = sigma }))!.ParamName,
                    Is.EqualTo("Sigma"), $"sigma {sigma}");
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Run(Device, new TrainingOptions { Loss = "ssm", Projections = 0 }))!.ParamName,
                Is.EqualTo("Projections"));
            foreach (float noise in new[] { -0.1f, float.NaN, float.PositiveInfinity })
                Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Run(Device, new TrainingOptions { Loss = "sm", DataNoise = noise }))!.ParamName,
                    Is.EqualTo("DataNoise"), $"data noise {noise}");
        });
    }

    /// <summary>MMD^2 to held-out data of samples drawn the same way from the network before any training step.</summary>
    private float UntrainedMmd(TrainingOptions o)
    {
        using NeuralNetworkModel model = Trainer.CreateModel(Device, o);
        using Tensor heldOut = SyntheticDatasets.Create(o.Dataset, Device, o.EvalSamples, o.Seed + 1);
        using Tensor samples = new LangevinDynamics(model, o.StepSize, o.NoiseScale, o.Seed + 4).Sample(dim: 2, nSteps: o.SampleSteps, nSamples: o.EvalSamples);
        return Mmd.Unbiased(samples, heldOut);
    }
}

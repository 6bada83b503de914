using TorchEbm.Autodiff;
using TorchEbm.Datasets;
using TorchEbm.Diagnostics;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Training;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Training;

/// <summary>
/// Contrastive-divergence training learns: on a reduced budget (small network, few steps) the model's samples come
/// ten times closer to held-out data in MMD^2 than an untrained model's. The full-budget figures of the defaults are
/// measured by `torchebm train` (see the README); this keeps CI short.
/// </summary>
public sealed class TrainerTests(DeviceKind kind) : DeviceTest(kind)
{
    private static TrainingOptions Reduced(string dataset) => new()
    {
        Dataset = dataset, Steps = 400, BatchSize = 128, Hidden = [32, 32], K = 10, DataSize = 4000, EvalSamples = 600, Lr = 3e-3f,
    };

    [TestCase("eight-gaussians")]
    [TestCase("two-moons")]
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
    public void BadOptions_AreRejectedBeforeAnyLaunch()
    {
        Assert.Throws<ArgumentException>(() => Trainer.Run(Device, new TrainingOptions { Dataset = "spiral" }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Run(Device, new TrainingOptions { BatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Run(Device, new TrainingOptions { K = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Run(Device, new TrainingOptions { Lr = float.NaN }));
    }

    /// <summary>MMD^2 to held-out data of samples drawn the same way from the network before any training step.</summary>
    private float UntrainedMmd(TrainingOptions o)
    {
        using var model = new NeuralNetworkModel(new MLP(Device, 2, o.Hidden, 1, Activation.SiLU, o.Seed));
        using Tensor heldOut = SyntheticDatasets.Create(o.Dataset, Device, o.EvalSamples, o.Seed + 1);
        using Tensor samples = new LangevinDynamics(model, o.StepSize, o.NoiseScale, o.Seed + 4).Sample(o.EvalSamples, 2, o.EvalSteps ?? o.K);
        return Mmd.Unbiased(samples, heldOut);
    }
}

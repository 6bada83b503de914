using TorchEbm.Training;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Training;

/// <summary>
/// The score-matching losses against the bar contrastive divergence meets
/// (<see cref="TrainerTests.EightGaussians_EveryModeGetsAWellAndItsShareOfSamples"/>): the default MLP (2-64-64-1,
/// SiLU) trained on eight Gaussians by Trainer.Run, then Langevin from N(0, I), puts 90% of the samples within 0.25 of a
/// mode and gives every mode at least half its share. Each case runs the settings the README recommends for its loss,
/// on half the default batch.
/// </summary>
public sealed class ScoreMatchingTrainerTests(DeviceKind kind) : DeviceTest(kind)
{
    private const int EvalSamples = 800;

    [Test, Category("Slow")]
    public void Denoising_EightGaussians_EveryModeGetsAWellAndItsShareOfSamples()
    {
        // `torchebm train --loss dsm --batch-size 128`: sigma 0.2, and the final samples are the defaults' (200 steps of
        // 0.01 at noise scale 0.1). The model learns the data smoothed to sd sqrt(0.02^2 + 0.2^2) = 0.2 per mode; noise
        // scale 0.1 samples exp(-E / 0.01), whose wells are a tenth as wide: 0.02, the data's own spread. (At noise
        // scale 1 the samples follow the smoothed law, about half of them within 0.25 of a mode.)
        var options = new TrainingOptions { Loss = "dsm", BatchSize = 128, EvalSamples = EvalSamples };
        AssertEveryModeGetsItsShare(options);
    }

    private void AssertEveryModeGetsItsShare(TrainingOptions options)
    {
        using TrainingResult result = Trainer.Run(Device, options);
        var modes = EightGaussiansModes.Count(result.Samples.ToArray());
        TestContext.Out.WriteLine($"{options.Loss}: {modes}; MMD^2 {result.Mmd:E3}; training {result.Seconds:F1} s");
        Assert.That(result.DivergedAt, Is.Null);
        modes.AssertEveryModeGetsAWellAndItsShare();
    }
}

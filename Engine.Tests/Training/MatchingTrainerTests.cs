using TorchEbm.Training;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Training;

/// <summary>
/// The matching losses against the bar contrastive divergence and denoising score matching meet
/// (<see cref="ScoreMatchingTrainerTests"/>): the default MLP (2-64-64-1, SiLU) trained on eight Gaussians by
/// Trainer.Run, the final samples drawn from N(0, I) as each loss samples, 90% of 800 samples within 0.25 of a mode and
/// every mode at least 50.
/// </summary>
public sealed class MatchingTrainerTests(DeviceKind kind) : DeviceTest(kind)
{
    private const int EvalSamples = 800;

    [Test, Category("Slow")]
    public void EquilibriumMatching_EightGaussians_EveryModeGetsAWellAndItsShareOfSamples()
    {
        // `torchebm train --loss eqm --steps 6000 --batch-size 128`: the final samples are 1000 gradient-descent steps of
        // 0.01 on the learned energy (noise scale 0), as equilibrium matching samples.
        var options = new TrainingOptions { Loss = "eqm", Steps = 6000, BatchSize = 128, EvalSamples = EvalSamples };
        Assert.That(options.SampleNoiseScale, Is.Zero);
        AssertEveryModeGetsItsShare(options);
    }

    [Test, Category("Slow")]
    public void EnergyMatching_EightGaussians_EveryModeGetsAWellAndItsShareOfSamples()
    {
        // `torchebm train --loss em --steps 3000 --flow-steps 2700 --batch-size 128`: exact-OT flow matching for 2700 steps,
        // then 300 with the contrastive term (200-step chains under the temperature sweep); the final samples are one
        // sweep of 200 Langevin steps of 0.01 from N(0, I) ending at noise scale 0.1 (the defaults').
        var options = new TrainingOptions { Loss = "em", Steps = 3000, FlowSteps = 2700, BatchSize = 128, EvalSamples = EvalSamples };
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

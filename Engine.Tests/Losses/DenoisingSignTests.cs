using TorchEbm.Autodiff;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;
using TorchEbm.Samplers;
using TorchEbm.Training;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Losses;

/// <summary>
/// Denoising score matching learns E = -log p, not its negative (TorchEBM shipped the inverted sign): trained on
/// N(0, I), the energy is lower at the mode than out at (3, 3), and Langevin chains pulled in from (2, 2) settle
/// around the origin.
/// </summary>
public sealed class DenoisingSignTests(DeviceKind kind) : DeviceTest(kind)
{
    // The model learns N(0, (1 + Sigma^2) I), centred like the data. DSM's regression target eps / Sigma has variance
    // 1 / Sigma^2, so a smaller Sigma trains more noisily: at 0.1 (and lr 1e-3) the samples' mean was 0.1 off.
    private const float Sigma = 0.5f;
    private const int Chains = 2000;
    private const float StepSize = 0.02f;

    [Test]
    public void TrainedOnStandardNormal_EnergyIsLowestAtTheMode_AndSamplesCentreOnIt()
    {
        using Tensor data = Device.Randn(4096, 2, seed: 1);
        using var model = new NeuralNetworkModel(new MLP(Device, 2, [32, 32], 1, Activation.SiLU, seed: 2));
        using var loss = new DenoisingScoreMatching(Sigma, seed: 3);
        using var adam = new Adam(model.Parameters(), lr: 1e-3f);
        TrainingLoopResult trained = TrainingLoop.Run(model, loss, adam, data,
            new TrainingLoopOptions { Steps = 1000, BatchSize = 128, Seed = 4 });
        Assert.That(trained.DivergedAt, Is.Null);

        using Tensor points = Device.FromArray(new float[,] { { 0, 0 }, { 3, 3 } });
        using Tensor energies = model.Forward(points);
        float[] e = energies.ToArray();
        Assert.That(e[0], Is.LessThan(e[1]), "E(0) < E((3, 3)): the mode of N(0, I) is the energy's minimum side");

        // Chains start at (2, 2) and run 500 steps of 0.02 (time 10, eight relaxation times of N(0, 1.25)): the start
        // is forgotten, so each final state is a draw from the model. The model's law is N(0, I) smoothed by sigma, of
        // variance v = 1 + sigma^2 per coordinate, v / (1 - h / (2 v)) after unadjusted Langevin steps h; the mean of
        // Chains independent draws is off 0 by more than four standard errors with probability 6e-5 per coordinate.
        using Tensor start = Device.FromArray(Enumerable.Range(0, Chains).SelectMany(_ => new[] { 2f, 2f }).ToArray(), Chains, 2);
        var sampler = new LangevinDynamics(model, StepSize, noiseScale: 1f, seed: 5);
        using Tensor samples = sampler.Sample(dim: 2, nSteps: 500, nSamples: Chains, new SampleOptions { InitialSamples = start });
        float[] xy = samples.ToArray();
        double meanX = Enumerable.Range(0, Chains).Average(i => (double)xy[2 * i]);
        double meanY = Enumerable.Range(0, Chains).Average(i => (double)xy[2 * i + 1]);
        double variance = (1 + Sigma * Sigma) / (1 - StepSize / (2 * (1 + Sigma * Sigma)));
        double tolerance = 4 * Math.Sqrt(variance / Chains); // 0.1
        TestContext.Out.WriteLine($"E(0) = {e[0]:F3}, E(3, 3) = {e[1]:F3}; sample mean ({meanX:F4}, {meanY:F4}), " +
                                  $"tolerance {tolerance:F4}; training {trained.Elapsed.TotalSeconds:F1} s");
        Assert.Multiple(() =>
        {
            Assert.That(meanX, Is.EqualTo(0).Within(tolerance));
            Assert.That(meanY, Is.EqualTo(0).Within(tolerance));
        });
    }
}

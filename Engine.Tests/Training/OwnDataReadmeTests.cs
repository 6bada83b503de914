using TorchEbm.Autodiff;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;
using TorchEbm.Samplers;
using TorchEbm.Training;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Training;

/// <summary>The README's "Training on your own data" example, run here on a blob at (3, 3); a second test keeps the README's copy identical.</summary>
public sealed class OwnDataReadmeTests
{
    private static float[,] Blob()
    {
        var random = new System.Random(5);
        var data = new float[512, 2];
        for (int i = 0; i < 512; i++)
        {
            double r = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())), a = 2 * Math.PI * random.NextDouble();
            (data[i, 0], data[i, 1]) = (3 + (float)(0.3 * r * Math.Cos(a)), 3 + (float)(0.3 * r * Math.Sin(a)));
        }
        return data;
    }

    [Test]
    public void OwnDataExample_Runs()
    {
        float[,] points = Blob();
        var evaluations = new List<int>();
        // README own data begins
        using var device = Device.Create();
        using var model = new NeuralNetworkModel(new MLP(device, inputDim: 2, hiddenDims: new[] { 32, 32 }, outputDim: 1, activation: Activation.SiLU, seed: 0));
        var sampler = new LangevinDynamics(model, stepSize: 0.1f, noiseScale: 0.1f, seed: 1);
        using var lossFn = new ContrastiveDivergence(sampler, k: 20, batchSize: 64, persistent: true, bufferSize: 64,
            reinitFraction: 1f, energyRegularization: 0.01f, seed: 2);   // short-run CD: every chain starts from N(0, I)
        using var optimizer = new Adam(model.Parameters(), lr: 3e-2f);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        TrainingLoopResult result = TrainingLoop.Run(model, lossFn, optimizer, points,
            new TrainingLoopOptions { Epochs = 8, BatchSize = 64, Seed = 0, EvalEvery = 16 },
            progress: new Progress<TrainingProgress>(p => Console.WriteLine($"step {p.Step}/{p.Steps}, epoch {p.Epoch}: loss {p.Loss:F4}")),
            evaluate: p => evaluations.Add(p.Step),
            cancellationToken: cancel.Token);
        if (result.Diverged) Console.WriteLine($"loss not finite at step {result.DivergedAt}; kept the last finite parameters");
        using Tensor samples = sampler.Sample(dim: 2, nSteps: 20, nSamples: 1000);
        // README own data ends
        Assert.That(result.Steps, Is.EqualTo(64));
        Assert.That(evaluations, Is.EqualTo(new[] { 16, 32, 48, 64 }));
        float[,] xy = samples.ToArray2D();
        double mx = Enumerable.Range(0, 1000).Average(i => xy[i, 0]), my = Enumerable.Range(0, 1000).Average(i => xy[i, 1]);
        Assert.That(Math.Sqrt((mx - 3) * (mx - 3) + (my - 3) * (my - 3)), Is.LessThan(0.5), "samples sit at the blob");
    }

    [Test]
    public void ReadmeOwnDataExample_IsTheCodeThisTestRuns() =>
        Assert.That(ReadmeCode.Marked("Engine.Tests/Training/OwnDataReadmeTests.cs", "own data"),
            Is.EqualTo(ReadmeCode.Block("## Training on your own data")
                .Where(l => !l.StartsWith("using TorchEbm") && !l.StartsWith("float[,] points") && !l.StartsWith("var evaluations"))));
}

// Quick start: train an energy-based model on two moons by persistent contrastive divergence, then sample it.
//   dotnet run -c Release --project examples/QuickStart -- [steps]      (default 2000 training steps; CI passes 100)
using TorchEbm;
using TorchEbm.Autodiff;
using TorchEbm.Datasets;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;
using TorchEbm.Samplers;

int steps = args.Length > 0 ? int.Parse(args[0]) : 2000;

// <train>
using var device = Device.Create();
using Tensor data = SyntheticDatasets.TwoMoons(device, n: 1024, seed: 0);
using var model = new NeuralNetworkModel(new MLP(device, inputDim: 2, hiddenDims: new[] { 32, 32 }, outputDim: 1, seed: 0));
var sampler = new LangevinDynamics(model, stepSize: 0.01f, noiseScale: 0.1f, seed: 42);
using var lossFn = new ContrastiveDivergence(sampler, batchSize: 256);   // persistent CD-10 on 256 chains, 5% restarts, energy penalty 0.1
using var optimizer = new Adam(model.Parameters(), lr: 3e-3f, beta1: 0.5f);
for (int step = 0; step < steps; step++)
{
    optimizer.ZeroGrad();
    using Var loss = lossFn.Compute(model, data);
    loss.Backward();
    optimizer.Step();
}
using Tensor samples = sampler.Sample(dim: 2, nSteps: 200, nSamples: 1000);
// </train>

// How many samples lie within 0.1 of a data point (the README's "near the data").
float[,] points = data.ToArray2D(), drawn = samples.ToArray2D();
int near = 0;
for (int i = 0; i < drawn.GetLength(0); i++)
{
    float best = float.PositiveInfinity;
    for (int j = 0; j < points.GetLength(0); j++)
    {
        float dx = drawn[i, 0] - points[j, 0], dy = drawn[i, 1] - points[j, 1];
        best = MathF.Min(best, dx * dx + dy * dy);
    }
    if (best < 0.01f) near++;
}
Console.WriteLine($"{steps} training steps on {device.Name}: {near} of {drawn.GetLength(0)} samples within 0.1 of the data");

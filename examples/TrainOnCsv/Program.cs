// Train an MLP energy on your own data from a CSV file (header line, then one point per row), then sample it.
//   dotnet run -c Release --project examples/TrainOnCsv -- [epochs] [file.csv]   (default 8 epochs of points.csv: three blobs; CI passes 2)
using System.Globalization;
using TorchEbm;
using TorchEbm.Autodiff;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;
using TorchEbm.Samplers;
using TorchEbm.Training;

int epochs = args.Length > 0 ? int.Parse(args[0]) : 8;
string path = args.Length > 1 ? args[1] : Path.Combine(AppContext.BaseDirectory, "points.csv");

// <load>
string[][] rows = [.. File.ReadLines(path).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(','))];
var points = new float[rows.Length, rows[0].Length];
for (int i = 0; i < rows.Length; i++)
    for (int j = 0; j < rows[i].Length; j++) points[i, j] = float.Parse(rows[i][j], CultureInfo.InvariantCulture);
// </load>

// <train>
using var device = Device.Create();
int dim = points.GetLength(1);
using var model = new NeuralNetworkModel(new MLP(device, inputDim: dim, hiddenDims: new[] { 32, 32 }, outputDim: 1, activation: Activation.SiLU, seed: 0));
var sampler = new LangevinDynamics(model, stepSize: 0.1f, noiseScale: 0.1f, seed: 1);
using var lossFn = new ContrastiveDivergence(sampler, k: 20, batchSize: 64, persistent: true, bufferSize: 64,
    reinitFraction: 1f, energyRegularization: 0.01f, seed: 2);   // short-run CD: every chain starts from N(0, I)
using var optimizer = new Adam(model.Parameters(), lr: 3e-2f);
TrainingLoopResult result = TrainingLoop.Run(model, lossFn, optimizer, points,
    new TrainingLoopOptions { Epochs = epochs, BatchSize = 64, Seed = 0, EvalEvery = 16 },
    progress: new Progress<TrainingProgress>(p => { if (p.Step % 16 == 0) Console.WriteLine($"step {p.Step}/{p.Steps}: loss {p.Loss:F4}"); }));
if (result.Diverged) Console.WriteLine($"loss not finite at step {result.DivergedAt}; kept the last finite parameters");
using Tensor samples = sampler.Sample(dim: dim, nSteps: 20, nSamples: 1000);   // as trained: 20 steps from N(0, I)
// </train>

// How many samples lie within 0.5 of a data point.
float[,] drawn = samples.ToArray2D();
int near = 0;
for (int i = 0; i < drawn.GetLength(0); i++)
{
    bool close = false;
    for (int r = 0; r < points.GetLength(0) && !close; r++)
    {
        float squared = 0;
        for (int j = 0; j < dim; j++) squared += (drawn[i, j] - points[r, j]) * (drawn[i, j] - points[r, j]);
        close = squared < 0.25f;
    }
    if (close) near++;
}
Console.WriteLine(result);
Console.WriteLine($"{near} of {drawn.GetLength(0)} samples within 0.5 of a data point");

// Checkpoint round trip: train a small MLP energy, save it with its model card, read the card back, load the model
// from the file alone and check that it gives the same energies. PyTorch loads the same file (load_in_torch.py).
//   dotnet run -c Release --project examples/CheckpointRoundTrip -- [steps] [path]   (default 300 steps; CI passes 20)
using TorchEbm;
using TorchEbm.Autodiff;
using TorchEbm.Checkpoints;
using TorchEbm.Datasets;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;
using TorchEbm.Samplers;
using TorchEbm.Training;

int steps = args.Length > 0 ? int.Parse(args[0]) : 300;
string path = args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "torchebm-example.safetensors");

using var device = Device.Create();
using Tensor data = SyntheticDatasets.EightGaussians(device, n: 1024, seed: 0);
using var model = new NeuralNetworkModel(new MLP(device, inputDim: 2, hiddenDims: new[] { 64, 64 }, outputDim: 1, activation: Activation.SiLU, seed: 0));
var sampler = new LangevinDynamics(model, stepSize: 0.01f, noiseScale: 0.1f, seed: 1);
using (var lossFn = new ContrastiveDivergence(sampler))
using (var optimizer = new Adam(model.Parameters(), lr: 3e-3f))
    TrainingLoop.Run(model, lossFn, optimizer, data, new TrainingLoopOptions { Steps = steps, BatchSize = 256 });

// <round-trip>
// The weights (PyTorch's state_dict names: 0.weight, 0.bias, 2.weight, ...) plus a model card and the sampler settings.
Checkpoint.Save(path, model, sampler: new SamplerSettings(stepSize: 0.01f, noiseScale: 0.1f, steps: 200),
    metadata: new Dictionary<string, string> { ["dataset"] = "eight-gaussians" });
Console.WriteLine(Checkpoint.ReadModelCard(path));          // architecture, sampler settings, metadata; no device needed
using NeuralNetworkModel loaded = Checkpoint.LoadModel(path, device);
using Tensor probe = device.Randn(8, 2, seed: 5);
using Tensor before = model.Forward(probe), after = loaded.Forward(probe);
// </round-trip>

float[] a = before.ToArray(), b = after.ToArray();
float largest = a.Zip(b, (u, v) => MathF.Abs(u - v)).Max();
Console.WriteLine($"saved {path} after {steps} steps; energies of the loaded model differ by at most {largest:G3}");
Console.WriteLine($"PyTorch side: python3 examples/CheckpointRoundTrip/load_in_torch.py {path}");
if (largest != 0f) return 1;
return 0;

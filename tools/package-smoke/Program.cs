// What a new user does with the TorchEbm package: sample a model with their own energy, train an MLP energy on
// their own float[,], save it with its model card and load it back from the file alone. Exits 1 on any mismatch.
using ILGPU;
using TorchEbm;
using TorchEbm.Autodiff;
using TorchEbm.Checkpoints;
using TorchEbm.Energies;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;
using TorchEbm.Samplers;
using TorchEbm.Training;

string checkpoint = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "package-smoke.safetensors");
using var device = Device.Create(DeviceKind.Cpu);
int failures = 0;
void Expect(bool ok, string what)
{
    Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {what}");
    if (!ok) failures++;
}

// 1. A user's own energy struct, sampled by the fused Langevin kernel.
using (var model = new ShiftedWellModel(device, centre: 3f))
{
    var sampler = new LangevinDynamics(model, stepSize: 0.05f, seed: 1);
    using Tensor samples = sampler.Sample(dim: 2, nSteps: 400, nSamples: 4000);
    float[] xy = samples.ToArray();
    double mean = xy.Average();
    Expect(Math.Abs(mean - 3) < 0.1, $"own energy: sample mean {mean:F3}, expected 3 (N(3, I))");
}

// 2. An MLP energy trained on the user's own points (a blob at (2, -1)).
var random = new Random(0);
var points = new float[512, 2];
for (int i = 0; i < 512; i++)
{
    points[i, 0] = 2f + 0.3f * Normal(random);
    points[i, 1] = -1f + 0.3f * Normal(random);
}
float[] before, after;
using (var model = new NeuralNetworkModel(new MLP(device, inputDim: 2, hiddenDims: new[] { 32, 32 }, outputDim: 1, seed: 0)))
{
    var sampler = new LangevinDynamics(model, stepSize: 0.1f, noiseScale: 0.1f, seed: 1);
    using var loss = new ContrastiveDivergence(sampler, k: 20, batchSize: 64, persistent: true, bufferSize: 64,
        reinitFraction: 1f, energyRegularization: 0.01f, seed: 2);
    using var optimizer = new Adam(model.Parameters(), lr: 3e-2f);
    using (Tensor start = sampler.Sample(dim: 2, nSteps: 20, nSamples: 1000)) before = start.ToArray();
    TrainingLoopResult result = TrainingLoop.Run(model, loss, optimizer, points, new TrainingLoopOptions { Epochs = 8, BatchSize = 64 });
    using (Tensor end = sampler.Sample(dim: 2, nSteps: 20, nSamples: 1000)) after = end.ToArray();
    double distanceBefore = Distance(before), distanceAfter = Distance(after);
    Expect(!result.Diverged && distanceAfter < distanceBefore / 5,
        $"training on own data: {result.Steps} steps, sample mean {distanceBefore:F2} -> {distanceAfter:F2} from the data mean");

    // 3. Save with the model card; load from the file alone; same energies.
    Checkpoint.Save(checkpoint, model, new SamplerSettings(0.1f, 0.1f, 20), new Dictionary<string, string> { ["note"] = "package smoke test" });
    using Tensor grid = device.Randn(64, 2, seed: 3);
    using Tensor expected = model.Forward(grid);
    using NeuralNetworkModel loaded = Checkpoint.LoadModel(checkpoint, device);
    using Tensor actual = loaded.Forward(grid);
    ModelCard card = Checkpoint.ReadModelCard(checkpoint);
    Expect(actual.ToArray().SequenceEqual(expected.ToArray()), "LoadModel: energies bit-identical to the saved model's");
    Expect(card.HiddenDims.SequenceEqual(new[] { 32, 32 }) && card.Sampler?.Steps == 20 && card.Metadata["note"] == "package smoke test",
        $"model card: {card.InputDim}-{string.Join("-", card.HiddenDims)}-{card.OutputDim} {card.Activation}, sampler steps {card.Sampler?.Steps}");
}

Console.WriteLine(failures == 0 ? "package smoke test passed" : $"package smoke test: {failures} failed");
return failures == 0 ? 0 : 1;

static float Normal(Random r) => (float)(Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble()));

static double Distance(float[] xy)
{
    double mx = 0, my = 0;
    for (int i = 0; i < xy.Length; i += 2) { mx += xy[i]; my += xy[i + 1]; }
    mx /= xy.Length / 2;
    my /= xy.Length / 2;
    return Math.Sqrt((mx - 2) * (mx - 2) + (my + 1) * (my + 1));
}

/// <summary>E(x) = |x - c|^2 / 2 with c = (centre, ..., centre): the law N(c, I). Public, as every user energy must be.</summary>
public readonly struct ShiftedWell(float centre) : IEnergy
{
    public readonly float Centre = centre;

    public float Energy(ArrayView<float> x)
    {
        float sum = 0f;
        for (int i = 0; i < x.IntLength; i++) sum += (x[i] - Centre) * (x[i] - Centre);
        return 0.5f * sum;
    }

    public void AddGradient(ArrayView<float> x, ArrayView<float> gradient, float weight)
    {
        for (int i = 0; i < x.IntLength; i++) gradient[i] += weight * (x[i] - Centre);
    }
}

/// <summary>The model around the struct: samplers fuse whole chains over <see cref="Energy"/>.</summary>
public sealed class ShiftedWellModel(Device device, float centre) : AnalyticModel<ShiftedWell>(device)
{
    public override ShiftedWell Energy { get; } = new(centre);
}

// Your own energy in tape ops: Haario's banana written once on the autodiff tape; every sampler differentiates it.
//   dotnet run -c Release --project examples/TapeEnergy -- [draws]      (default 1000; CI passes 200)
using TorchEbm;
using TorchEbm.Autodiff;
using TorchEbm.Models;
using TorchEbm.Samplers;

int draws = args.Length > 0 ? int.Parse(args[0]) : 1000;

using var device = Device.Create();
using var banana = new Banana(device);
var mala = new MetropolisAdjustedLangevin(banana, stepSize: 0.5f, seed: 3);
using ChainResult run = mala.SampleChain(dim: 2, nSteps: draws, nSamples: 64,
    options: new SampleOptions { WarmupSteps = draws / 2, ReturnTrajectory = true });

// x1 ~ N(0, 4) under this energy: its mean is 0 and its variance 4.
float[,,] trajectory = ToArray3D(run.Trajectory!);
var x1 = new List<double>();
foreach (int k in Enumerable.Range(0, trajectory.GetLength(0)))
    for (int c = 0; c < trajectory.GetLength(1); c++) x1.Add(trajectory[k, c, 0]);
double mean = x1.Average(), variance = x1.Select(v => (v - mean) * (v - mean)).Average();
Console.WriteLine($"MALA on the banana: acceptance {run.Info!.MeanAcceptance:F2}; x1 mean {mean:F2} (exact 0), variance {variance:F2} (exact 4)");

static float[,,] ToArray3D(Tensor t)
{
    float[] flat = t.ToArray();
    var result = new float[t.Shape[0], t.Shape[1], t.Shape[2]];
    Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(float));
    return result;
}

// <banana>
/// <summary>Haario's banana: E(x) = x1^2 / 8 + (x2 - 0.1 x1^2 + 0.4)^2 / 2, a bent Gaussian.</summary>
public sealed class Banana(Device device) : BaseModel(device)
{
    public override int? Dim => 2;

    public override Var Energies(Var x)
    {
        Var x1 = x.Column(0), x2 = x.Column(1);
        return x1.Square() / 8f + (x2 - 0.1f * x1.Square() + 0.4f).Square() / 2f;
    }
}
// </banana>

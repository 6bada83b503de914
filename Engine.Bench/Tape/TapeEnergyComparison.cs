using TorchEbm.Autodiff;
using TorchEbm.Bench.Timing;
using TorchEbm.Models;
using TorchEbm.Samplers;

namespace TorchEbm.Bench.Tape;

/// <summary>
/// <c>Engine.Bench tape-energy [repetitions]</c>: Langevin on Rosenbrock written once in tape ops (step by step: a tape
/// forward and backward per step) beside the built-in fused RosenbrockModel (one launch per run), same chains and
/// steps, in one run; prints chain-steps/s and their ratio.
/// </summary>
public static class TapeEnergyComparison
{
    private const int Chains = 1024, Dim = 8, Steps = 100;

    /// <summary>Rosenbrock over any d >= 2 in tape ops, as the README writes it.</summary>
    private sealed class OpRosenbrock(Device device) : BaseModel(device)
    {
        public override Var Energies(Var x)
        {
            int d = x.Shape[1];
            Var head = x.Columns(0, d - 1), tail = x.Columns(1, d - 1);
            return (100f * (tail - head.Square()).Square() + (1f - head).Square()).Sum(1);
        }
    }

    public static int Run(int repetitions)
    {
        using var device = Device.Create();
        using var builtIn = new RosenbrockModel(device);
        using var ops = new OpRosenbrock(device);
        Console.WriteLine($"{device}: Langevin, {Chains} chains x {Dim}-D Rosenbrock, {Steps} steps, step 1e-4, median of {repetitions}");
        double Rate(BaseModel model)
        {
            void Once()
            {
                using Tensor x = new LangevinDynamics(model, 1e-4f, seed: 1).Sample(dim: Dim, nSteps: Steps, nSamples: Chains);
                device.Synchronize();
            }
            Once();
            return (double)Chains * Steps / Median.Seconds(repetitions, Once);
        }
        double fused = Rate(builtIn), tape = Rate(ops);
        Console.WriteLine($"built-in, fused        {fused,12:E3} chain-steps/s");
        Console.WriteLine($"tape ops, step by step {tape,12:E3} chain-steps/s");
        Console.WriteLine($"fused / tape           {fused / tape,12:F1}");
        return 0;
    }
}

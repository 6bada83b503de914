using TorchEbm.Autodiff;
using TorchEbm.Bench.Timing;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Bench.Tape;

/// <summary>
/// <c>Engine.Bench tape-energy [repetitions]</c>: Langevin and HMC on Rosenbrock written once in tape ops, traced (one
/// launch per run, the program interpreted per chain) and step by step (a tape forward and backward per evaluation), beside
/// the built-in fused RosenbrockModel; same chains and steps, in one run; prints chain-steps/s and the ratios.
/// </summary>
public static class TapeEnergyComparison
{
    private const int Chains = 1024, Dim = 8, Steps = 100;

    public static int Run(int repetitions)
    {
        using var device = Device.Create();
        using var builtIn = new RosenbrockModel(device);
        using var traced = new OpRosenbrock(device);
        using var stepwise = new OpRosenbrock(device) { Tracing = false };
        Console.WriteLine($"{device}: {Chains} chains x {Dim}-D Rosenbrock, {Steps} steps, median of {repetitions}");
        foreach ((string name, Func<BaseModel, Sampler> sampler) in new (string, Func<BaseModel, Sampler>)[]
                 {
                     ("Langevin, step 1e-4", m => new LangevinDynamics(m, 1e-4f, seed: 1)),
                     ("HMC, step 1e-3 x 10 leapfrogs", m => new HamiltonianMonteCarlo(m, 1e-3f, nLeapfrogSteps: 10, seed: 1)),
                 })
        {
            double Rate(BaseModel model)
            {
                void Once()
                {
                    using Tensor x = sampler(model).Sample(dim: Dim, nSteps: Steps, nSamples: Chains);
                    device.Synchronize();
                }
                Once();
                return (double)Chains * Steps / Median.Seconds(repetitions, Once);
            }
            double fused = Rate(builtIn), tracedRate = Rate(traced), tape = Rate(stepwise);
            Console.WriteLine(name);
            Console.WriteLine($"  built-in, fused         {fused,12:E3} chain-steps/s");
            Console.WriteLine($"  tape ops, traced        {tracedRate,12:E3} chain-steps/s   built-in / traced {fused / tracedRate,6:F2}");
            Console.WriteLine($"  tape ops, step by step  {tape,12:E3} chain-steps/s   built-in / step by step {fused / tape,6:F2}");
        }
        return 0;
    }
}

using TorchEbm.Models;
using TorchEbm.Samplers;

namespace TorchEbm.Bench.Langevin;

/// <summary>
/// The reference sampling workloads: Langevin W1, W2 of DESIGN.md (shared by the BenchmarkDotNet suite and the
/// throughput runner), and the Metropolis samplers W5 (HMC) and W6 (MALA) on W2's double well, with the settings of
/// reference/samplers_torch.py.
/// </summary>
public static class LangevinWorkloads
{
    /// <summary>W1: 2-D Gaussian (mean [1, -1], cov [[1, .5], [.5, 2]]), 4096 chains x 1000 steps, step 0.01.</summary>
    public const int W1Chains = 4096, W1Steps = 1000, W1Dim = 2;

    /// <summary>W2: double well a = 1, b = 2, 1024 chains x 128 dims x 200 steps (TorchEBM's "large" benchmark).</summary>
    public const int W2Chains = 1024, W2Steps = 200, W2Dim = 128;

    /// <summary>W5: HMC on W2's double well, 1024 chains x 128 dims, 200 transitions of 10 leapfrog steps, step 0.05, identity mass.</summary>
    public const int W5Chains = 1024, W5Dim = 128, W5Transitions = 200, W5Leapfrog = 10;

    /// <summary>W5's leapfrog step size (samplers_torch.py's --hmc-step-size default).</summary>
    public const float W5StepSize = 0.05f;

    /// <summary>W6: MALA on W2's double well, 1024 chains x 128 dims, 2000 steps, step 0.01.</summary>
    public const int W6Chains = 1024, W6Dim = 128, W6Steps = 2000;

    /// <summary>W6's step size (samplers_torch.py's --mala-step-size default).</summary>
    public const float W6StepSize = 0.01f;

    // FLOPs per unit of work for the roofline lines: the arithmetic of the gradient, the update and (Metropolis) the energy
    // and acceptance ratio, not the random numbers' (Philox, Box-Muller), which the PyTorch reference also draws.

    /// <summary>W1 per chain-step: gradient P (x - mu) (2 + 4 + 2) and x - h g + s z per coordinate (4 x 2).</summary>
    public const double W1Flops = 16;

    /// <summary>W2 per coordinate-step: 4 a x (x^2 - b) (5) and x - h g + s z (4).</summary>
    public const double W2Flops = 9;

    /// <summary>W5 per chain-transition: per leapfrog step and coordinate gradient (5), kick (2), drift (2); per coordinate
    /// the energy (5) and kinetic energy (2) of the proposal.</summary>
    public const double W5Flops = (double)W5Leapfrog * W5Dim * 9 + W5Dim * 7;

    /// <summary>W6 per chain-transition, per coordinate: gradient (5), proposal (4), energy (5), the two proposal densities'
    /// squared residuals (2 x 3).</summary>
    public const double W6Flops = W6Dim * 20.0;

    public static GaussianModel W1Model(Device device) =>
        new(device, [1f, -1f], new float[,] { { 1f, 0.5f }, { 0.5f, 2f } });

    public static DoubleWellModel W2Model(Device device) => new(device, a: 1f, b: 2f);

    /// <summary>Runs W1 once, waiting for the device.</summary>
    public static void RunW1(GaussianModel model)
    {
        using Tensor x = new LangevinDynamics(model, stepSize: 0.01f, seed: 1).Sample(dim: W1Dim, nSteps: W1Steps, nSamples: W1Chains);
        model.Device.Synchronize();
    }

    /// <summary>Runs W2 once, waiting for the device.</summary>
    public static void RunW2(DoubleWellModel model)
    {
        using Tensor x = new LangevinDynamics(model, stepSize: 0.01f, seed: 1).Sample(dim: W2Dim, nSteps: W2Steps, nSamples: W2Chains);
        model.Device.Synchronize();
    }

    /// <summary>Runs W5 once (one fused launch for the analytic double well) and returns its mean acceptance, which waits for the device.</summary>
    public static float RunW5(DoubleWellModel model)
    {
        using ChainResult result = new HamiltonianMonteCarlo(model, W5StepSize, W5Leapfrog, seed: 1, stepSizeJitter: 0f) // textbook HMC, as the PyTorch reference
            .SampleChain(W5Dim, W5Transitions, W5Chains);
        return result.Info!.MeanAcceptance;
    }

    /// <summary>Runs W6 once (one fused launch for the analytic double well) and returns its mean acceptance, which waits for the device.</summary>
    public static float RunW6(DoubleWellModel model)
    {
        using ChainResult result = new MetropolisAdjustedLangevin(model, W6StepSize, seed: 1)
            .SampleChain(W6Dim, W6Steps, W6Chains);
        return result.Info!.MeanAcceptance;
    }
}

using TorchEbm.Models;
using TorchEbm.Samplers;

namespace TorchEbm.Bench.Langevin;

/// <summary>The reference Langevin workloads of DESIGN.md (W1, W2), shared by the BenchmarkDotNet suite and the throughput runner.</summary>
public static class LangevinWorkloads
{
    /// <summary>W1: 2-D Gaussian (mean [1, -1], cov [[1, .5], [.5, 2]]), 4096 chains x 1000 steps, step 0.01.</summary>
    public const int W1Chains = 4096, W1Steps = 1000, W1Dim = 2;

    /// <summary>W2: double well a = 1, b = 2, 1024 chains x 128 dims x 200 steps (TorchEBM's "large" benchmark).</summary>
    public const int W2Chains = 1024, W2Steps = 200, W2Dim = 128;

    public static GaussianModel W1Model(Device device) =>
        new(device, [1f, -1f], new float[,] { { 1f, 0.5f }, { 0.5f, 2f } });

    public static DoubleWellModel W2Model(Device device) => new(device, a: 1f, b: 2f);

    /// <summary>Runs W1 once, waiting for the device.</summary>
    public static void RunW1(GaussianModel model)
    {
        using Tensor x = new LangevinDynamics(model, stepSize: 0.01f, seed: 1).Sample(W1Chains, W1Dim, W1Steps);
        model.Device.Synchronize();
    }

    /// <summary>Runs W2 once, waiting for the device.</summary>
    public static void RunW2(DoubleWellModel model)
    {
        using Tensor x = new LangevinDynamics(model, stepSize: 0.01f, seed: 1).Sample(W2Chains, W2Dim, W2Steps);
        model.Device.Synchronize();
    }
}

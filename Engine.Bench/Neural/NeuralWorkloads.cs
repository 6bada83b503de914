using TorchEbm.Autodiff;
using TorchEbm.Models;
using TorchEbm.Samplers;

namespace TorchEbm.Bench.Neural;

/// <summary>The neural-network workloads: W3 of DESIGN.md and the MLP forward + backward pass it is made of.</summary>
public static class NeuralWorkloads
{
    /// <summary>W3: Langevin on an MLP energy 2-128-128-1 (SiLU), 1024 chains x 100 steps, step 0.01.</summary>
    public const int W3Chains = 1024, W3Steps = 100, Dim = 2, Hidden = 128;

    /// <summary>Batch of the MLP forward + backward measurement.</summary>
    public const int Batch = 1024;

    /// <summary>
    /// Floating-point operations of one forward + backward pass at <see cref="Batch"/>, counted the usual way: the
    /// matrix products only, 2 n (2*128 + 128*128 + 128*1) forward and twice that backward.
    /// </summary>
    public const double ForwardBackwardFlops = 3.0 * 2 * Batch * (Dim * Hidden + Hidden * Hidden + Hidden);

    public static NeuralNetworkModel Model(Device device) =>
        new(new MLP(device, Dim, [Hidden, Hidden], 1, Activation.SiLU, seed: 0));

    /// <summary>Runs W3 once, waiting for the device.</summary>
    public static void RunW3(NeuralNetworkModel model)
    {
        using Tensor x = new LangevinDynamics(model, stepSize: 0.01f, seed: 1).Sample(W3Chains, Dim, W3Steps);
        model.Device.Synchronize();
    }

    /// <summary>One forward + backward pass of sum E(x) into the parameter gradients, waiting for the device.</summary>
    public static void RunForwardBackward(NeuralNetworkModel model, Var x)
    {
        using Var loss = model.Energies(x).Sum();
        loss.Backward();
        model.Device.Synchronize();
    }
}

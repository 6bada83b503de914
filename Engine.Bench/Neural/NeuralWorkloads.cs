using TorchEbm.Autodiff;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;
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

    /// <summary>
    /// One sample's energy and input gradient (a W3 chain-step), matrix products only: forward 2 (2*128 + 128*128 + 128),
    /// backward to the input 2 (128*128 + 128*2).
    /// </summary>
    public const double InputGradientFlops = 2.0 * (Dim * Hidden + Hidden * Hidden + Hidden) + 2.0 * (Hidden * Hidden + Hidden * Dim);

    /// <summary>
    /// One W4 iteration: K Langevin input gradients per chain, then the loss's forward on data and samples and its
    /// backward to the parameters (three forwards' worth), 2 x batch samples.
    /// </summary>
    public const double W4Flops = (double)W4K * W4Batch * InputGradientFlops + 3.0 * 2 * W4Batch * 2 * (Dim * Hidden + Hidden * Hidden + Hidden);

    public static NeuralNetworkModel Model(Device device) =>
        new(new MLP(device, Dim, [Hidden, Hidden], 1, Activation.SiLU, seed: 0));

    /// <summary>
    /// The same network behind one more Sequential, which hides the plain MLP from the fused kernels: W3 then runs
    /// through the tape step by step, the path to compare the fused per-sample kernel with on each device.
    /// </summary>
    public static NeuralNetworkModel TapeModel(Device device) =>
        new(new Sequential(new MLP(device, Dim, [Hidden, Hidden], 1, Activation.SiLU, seed: 0)));

    /// <summary>Runs W3 once, waiting for the device.</summary>
    public static void RunW3(NeuralNetworkModel model)
    {
        using Tensor x = new LangevinDynamics(model, stepSize: 0.01f, seed: 1).Sample(dim: Dim, nSteps: W3Steps, nSamples: W3Chains);
        model.Device.Synchronize();
    }

    /// <summary>W4: CD-10 iterations (Langevin from the data, loss, backward, Adam) per measured run, batch 256.</summary>
    public const int W4Iterations = 10, W4Batch = 256, W4K = 10;

    /// <summary>The pieces of a W4 iteration: loss (CD-10, chains from the data) and Adam over the model.</summary>
    public static (ContrastiveDivergence Loss, Adam Optimizer) W4Setup(NeuralNetworkModel model) =>
        (new ContrastiveDivergence(new LangevinDynamics(model, stepSize: 0.01f, seed: 3), k: W4K, persistent: false, energyRegularization: 0f) { CheckFinite = false },
         new Adam(model.Parameters(), lr: 1e-3f));

    /// <summary>Runs <see cref="W4Iterations"/> CD-10 training iterations, reading the loss each time as a training loop does.</summary>
    public static void RunW4(NeuralNetworkModel model, ContrastiveDivergence loss, Adam adam, Tensor data)
    {
        for (int i = 0; i < W4Iterations; i++)
        {
            adam.ZeroGrad();
            using Var l = loss.Compute(model, data);
            l.Backward();
            adam.Step();
            _ = l.Value.ToArray();
        }
    }

    /// <summary>One forward + backward pass of sum E(x) into the parameter gradients, waiting for the device.</summary>
    public static void RunForwardBackward(NeuralNetworkModel model, Var x)
    {
        using Var loss = model.Energies(x).Sum();
        loss.Backward();
        model.Device.Synchronize();
    }
}

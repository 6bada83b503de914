using TorchEbm.Autodiff;

namespace TorchEbm.Models;

/// <summary>
/// An energy given by a neural network: E(x) = network(x), the network mapping (n, d) to (n, 1). Gradients with
/// respect to x run through the autodiff tape on the device; parameter gradients come from a loss's Backward().
/// </summary>
/// <remarks>
/// Samplers run it step by step (one Gradient and one update launch per step). A fused per-chain kernel for small
/// MLPs (weights in shared memory, forward and input gradient in one launch) would plug in as an analytic model.
/// </remarks>
public sealed class NeuralNetworkModel : BaseModel
{
    /// <summary>Wraps <paramref name="network"/> (the model owns it and disposes it).</summary>
    public NeuralNetworkModel(Module network) : base(NetworkDevice(network)) => Network = network;

    /// <summary>The network.</summary>
    public Module Network { get; }

    /// <inheritdoc />
    public override int? Dim => Network.InputDim;

    /// <summary>The network's parameters (for an optimizer).</summary>
    public IEnumerable<Var> Parameters() => Network.Parameters();

    /// <summary>Energies of <paramref name="x"/> (n, d) on the tape: shape (n), differentiable in x and the parameters.</summary>
    public override Var Energies(Var x)
    {
        ArgumentNullException.ThrowIfNull(x);
        ValidateSamples(x.Value);
        int n = x.Value.Dim(0);
        Var output = Network.Forward(x);
        if (output.Value.Rank != 2 || output.Value.Dim(0) != n || output.Value.Dim(1) != 1)
        {
            int[] shape = output.Value.Shape;
            output.Dispose();
            throw new InvalidOperationException($"The network must map (n, d) to (n, 1), but it gave {Shapes.Format(shape)} for n = {n}.");
        }
        return output.Reshape(n);
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor x)
    {
        using IDisposable scope = Tape.NoGrad();
        using Var input = Var.Borrowed(x);
        using Var energies = Energies(input);
        return energies.Value.Clone();
    }

    /// <inheritdoc />
    /// <remarks>Parameter gradients are neither computed nor touched.</remarks>
    public override Tensor Gradient(Tensor x)
    {
        using Var input = Var.Borrowed(x, requiresGrad: true);
        using Var energies = Energies(input);
        using Var total = energies.Sum();
        return Tape.Grad(total, input);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        Network.Dispose();
        base.Dispose();
    }

    private static Device NetworkDevice(Module network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Device;
    }
}

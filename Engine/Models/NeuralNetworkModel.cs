using TorchEbm.Autodiff;

namespace TorchEbm.Models;

/// <summary>
/// An energy given by a neural network: E(x) = network(x), the network mapping (n, d) to (n, 1). Gradients with
/// respect to x run through the autodiff tape on the device; parameter gradients come from a loss's Backward().
/// </summary>
/// <remarks>
/// When the network is a plain MLP with one output (an <see cref="MLP"/>, or any <see cref="Sequential"/> of
/// Linear layers with one activation between them), <see cref="Forward"/>, <see cref="Gradient(Tensor)"/> and Langevin
/// chains run as per-sample fused kernels: a whole K-step chain is one launch (<see cref="IsFused"/>). Any other
/// network runs on the tape, and samplers take one Gradient and one update launch per step.
/// </remarks>
public sealed class NeuralNetworkModel : BaseModel
{
    private readonly FusedMlp? _fused;

    /// <summary>Wraps <paramref name="network"/> (the model owns it and disposes it).</summary>
    public NeuralNetworkModel(Module network) : base(NetworkDevice(network))
    {
        Network = network;
        _fused = FusedMlp.TryCreate(network);
        _static = network.IsStatic;
        _hasParameters = network.Parameters().Any();
    }

    /// <summary>The network.</summary>
    public Module Network { get; }

    /// <summary>Whether energies, gradients and Langevin chains run as fused per-sample kernels (see the remarks).</summary>
    public bool IsFused => _fused is not null;

    /// <summary>The fused kernels, when <see cref="IsFused"/> (tests reach their scratch layout through it).</summary>
    internal FusedMlp? FusedKernels => _fused;

    /// <inheritdoc />
    public override int? Dim => Network.InputDim;

    /// <summary>The network's parameters (for an optimizer).</summary>
    public override IEnumerable<Var> Parameters() => Network.Parameters();

    /// <inheritdoc />
    internal override bool HasStaticEnergies => _static;

    /// <inheritdoc />
    /// <remarks>The engine's own layers keep their parameters for life; another module is asked each time.</remarks>
    internal override bool HasParameters => _static ? _hasParameters : base.HasParameters;

    private readonly bool _static, _hasParameters;

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
        if (Fused(x) is FusedMlp fused) return fused.Source.Energies(x);
        using IDisposable scope = Tape.NoGrad();
        using Var input = Var.Borrowed(x);
        using Var energies = Energies(input);
        return energies.Value.Clone();
    }

    /// <inheritdoc />
    /// <remarks>Parameter gradients are neither computed nor touched.</remarks>
    public override Tensor Gradient(Tensor x)
    {
        if (Fused(x) is FusedMlp fused) return fused.Source.Gradients(x);
        using IDisposable recording = Tape.EnableGrad(); // the input gradient is wanted inside NoGrad too (samplers, KSD)
        using Var input = Var.Borrowed(x, requiresGrad: true);
        using Var energies = Energies(input);
        using Var total = energies.Sum();
        return Tape.Grad(total, input);
    }

    /// <inheritdoc />
    /// <remarks>The fused network when <see cref="IsFused"/> (whole chains in one launch while their scratch indices fit 32 bits).</remarks>
    internal override EnergySource? Source => _fused?.Source;

    /// <inheritdoc />
    public override void Dispose()
    {
        _fused?.Dispose();
        Network.Dispose();
        base.Dispose();
    }

    /// <summary>The fused kernels for x after validating it, or null when the tape must run.</summary>
    private FusedMlp? Fused(Tensor x)
    {
        if (_fused is null) return null;
        ValidateSamples(x);
        return _fused.Fits(x.Dim(0)) ? _fused : null;
    }

    private static Device NetworkDevice(Module network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Device;
    }
}

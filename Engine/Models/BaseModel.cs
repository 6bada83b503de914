using TorchEbm.Autodiff;
using TorchEbm.Elementwise;

namespace TorchEbm.Models;

/// <summary>
/// An energy-based model: an energy E(x) over samples x of shape (n, d), with density p(x) ~ exp(-E(x)).
/// Subclass it with your own tensor code (override <see cref="Forward"/> and <see cref="Gradient"/>) and every
/// sampler can sample it.
/// </summary>
/// <remarks>
/// Naming: <see cref="Gradient"/> is dE/dx; <see cref="Score"/> is the score of the density, grad log p = -dE/dx
/// (the TorchEBM page calls +dE/dx "score"; here the name keeps its mathematical meaning).
/// </remarks>
public abstract class BaseModel : IDisposable
{
    /// <summary>Creates a model whose tensors live on <paramref name="device"/>.</summary>
    protected BaseModel(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        Device = device;
    }

    /// <summary>The device the model computes on; inputs must live there too.</summary>
    public Device Device { get; }

    /// <summary>The sample dimension d this model requires, or null when it accepts any d.</summary>
    public virtual int? Dim => null;

    /// <summary>Energies E(x) of a batch x of shape (n, d): a new tensor of shape (n).</summary>
    public abstract Tensor Forward(Tensor x);

    /// <summary>dE/dx of a batch x of shape (n, d): a new tensor of shape (n, d).</summary>
    public abstract Tensor Gradient(Tensor x);

    /// <summary>
    /// Energies of <paramref name="x"/> (n, d) on the autodiff tape, shape (n), for losses. A model with parameters
    /// (<see cref="NeuralNetworkModel"/>) records them so a loss's Backward() reaches the parameters; the default
    /// evaluates <see cref="Forward"/> as a constant of the graph.
    /// </summary>
    public virtual Var Energies(Var x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Var.Intermediate(Forward(x.Value));
    }

    /// <summary>The score grad log p(x) = -dE/dx: a new tensor of shape (n, d).</summary>
    public virtual Tensor Score(Tensor x)
    {
        using Tensor gradient = Gradient(x);
        Tensor score = Device.Allocate(gradient.Shape);
        Device.Launch(ElementwiseKernels.Scale, score.Length, gradient.View, score.View, -1f);
        return score;
    }

    /// <summary>
    /// Checks that <paramref name="x"/> is a live (n, d) tensor on this model's device with the model's d;
    /// throws <see cref="ArgumentException"/> naming <paramref name="name"/> otherwise. Call before any launch.
    /// </summary>
    protected void ValidateSamples(Tensor x, string name = "x")
    {
        Guard.Batch(x, Device, name);
        if (Dim is int d && x.Dim(1) != d)
            throw new ArgumentException(
                $"{name} has shape {Shapes.Format(x.Shape)} but the model expects samples of dimension {d}, i.e. shape (n, {d}).", name);
    }

    /// <summary>Frees the model's device memory (parameters, constants). Models that own none do nothing.</summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}

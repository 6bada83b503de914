using TorchEbm.Energies;

namespace TorchEbm.Models;

/// <summary>
/// A model whose energy is an analytic <see cref="IEnergy"/> struct: energies and gradients run as one kernel
/// launch each, and samplers can fuse whole chains over it (see <see cref="Energy"/>).
/// </summary>
/// <typeparam name="TEnergy">The energy struct the kernels are specialised for.</typeparam>
public abstract class AnalyticModel<TEnergy> : BaseModel, IAnalyticModel where TEnergy : struct, IEnergy
{
    /// <summary>Creates the model on <paramref name="device"/>.</summary>
    protected AnalyticModel(Device device) : base(device) { }

    /// <summary>
    /// The energy struct passed to kernels (it may hold views of this model's device memory). It is read once, on first
    /// use, and kept: a model's energy does not change.
    /// </summary>
    public abstract TEnergy Energy { get; }

    /// <summary>Smallest sample dimension the energy is defined for.</summary>
    protected virtual int MinDim => 1;

    private EnergySource? _source;

    /// <inheritdoc />
    internal override EnergySource Source => _source ??= CreateSource();

    /// <summary>The chain source for <see cref="Energy"/> (created on first use, then kept).</summary>
    private protected virtual EnergySource CreateSource() => new AnalyticEnergySource<TEnergy>(Energy);

    int IAnalyticModel.MinDim => MinDim;

    bool IAnalyticModel.CanFuse => true;

    /// <inheritdoc />
    public override Tensor Forward(Tensor x)
    {
        ValidateSamples(x);
        return Source.Energies(x);
    }

    /// <inheritdoc />
    public override Tensor Gradient(Tensor x)
    {
        ValidateSamples(x);
        return Source.Gradients(x);
    }

    TResult IAnalyticModel.Accept<TResult>(IEnergyVisitor<TResult> visitor) => Accept(visitor);

    /// <summary>Hands <see cref="Energy"/> to the visitor with its static type.</summary>
    private protected virtual TResult Accept<TResult>(IEnergyVisitor<TResult> visitor) => visitor.Visit(Energy);
}

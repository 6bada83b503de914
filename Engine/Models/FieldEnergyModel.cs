using TorchEbm.Autodiff;

namespace TorchEbm.Models;

/// <summary>
/// A scalar energy made of a vector field f: a module mapping (n, d) to (n, d), e.g. an MLP with outputDim = inputDim.
/// <see cref="FieldEnergy.Dot"/> gives E(x) = x . f(x), <see cref="FieldEnergy.L2"/> gives E(x) = -||f(x)||^2 / 2:
/// the explicit energy forms of equilibrium matching (<see cref="Losses.EquilibriumMatching"/>), whose dE/dx is then
/// regressed onto the target field, so that the model has an energy to sample from and to score samples with.
/// </summary>
/// <remarks>The energy is written in tape ops, so every sampler and loss runs on it step by step (no fused kernel).</remarks>
public sealed class FieldEnergyModel : BaseModel
{
    /// <summary>Wraps <paramref name="field"/>; the model owns it and disposes it.</summary>
    /// <param name="field">The vector field f, (n, d) to (n, d); its input dimension must be known.</param>
    /// <param name="form">How E is made of f.</param>
    /// <exception cref="ArgumentNullException">field is null.</exception>
    /// <exception cref="ArgumentException">The field's input dimension is unknown, or form is not a defined value.</exception>
    public FieldEnergyModel(Module field, FieldEnergy form = FieldEnergy.Dot) : base(FieldDevice(field))
    {
        if (field.InputDim is null)
            throw new ArgumentException($"field must state its input dimension (Module.InputDim), but {field.GetType().Name}'s is null.", nameof(field));
        if (!Enum.IsDefined(form)) throw new ArgumentException($"form must be FieldEnergy.Dot or FieldEnergy.L2, got {(int)form}.", nameof(form));
        Field = field;
        Form = form;
    }

    /// <summary>The vector field f.</summary>
    public Module Field { get; }

    /// <summary>How the energy is made of f.</summary>
    public FieldEnergy Form { get; }

    /// <inheritdoc />
    public override int? Dim => Field.InputDim;

    /// <summary>The field's parameters (for an optimizer).</summary>
    public override IEnumerable<Var> Parameters() => Field.Parameters();

    /// <summary>E(x) on the tape, shape (n): x . f(x) or -||f(x)||^2 / 2 per row.</summary>
    /// <exception cref="ArgumentException">x is not an (n, d) batch of the model's dimension on its device.</exception>
    /// <exception cref="InvalidOperationException">The field does not map (n, d) to (n, d).</exception>
    public override Var Energies(Var x)
    {
        ArgumentNullException.ThrowIfNull(x);
        ValidateSamples(x.Value);
        Var f = Field.Forward(x);
        if (f.Value.Rank != 2 || f.Value.Dim(0) != x.Value.Dim(0) || f.Value.Dim(1) != x.Value.Dim(1))
        {
            int[] shape = f.Shape;
            f.Dispose();
            throw new InvalidOperationException($"The field must map (n, d) to (n, d), but it gave {Shapes.Format(shape)} for {Shapes.Format(x.Shape)}.");
        }
        return Form == FieldEnergy.Dot ? (x * f).Sum(1) : (f * f).Sum(1) * -0.5f;
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        if (!IsDisposed) Field.Dispose();
        base.Dispose();
    }

    private static Device FieldDevice(Module field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.Device;
    }
}

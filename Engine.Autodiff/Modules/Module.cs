namespace TorchEbm.Autodiff;

/// <summary>
/// A differentiable function with parameters, like PyTorch's nn.Module: <see cref="Forward"/> records on the tape,
/// and parameters are leaf <see cref="Var"/>s the module owns, named as in PyTorch's state_dict.
/// </summary>
public abstract class Module : IDisposable
{
    /// <summary>Creates a module whose parameters live on <paramref name="device"/>.</summary>
    protected Module(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        Device = device;
    }

    /// <summary>The device of the parameters; inputs must live there too.</summary>
    public Device Device { get; }

    /// <summary>The input feature count the module requires, or null when it accepts any.</summary>
    public virtual int? InputDim => null;

    /// <summary>Applies the module to a batch.</summary>
    public abstract Var Forward(Var x);

    /// <summary>
    /// Whether <see cref="Forward"/> records the same ops on the same parameters for every input of one shape (no
    /// data-dependent branches, no values made per call), so a loss may keep its graph and replay it
    /// (<see cref="GraphReplay"/>). True only for the engine's own layers; a user's module is recorded call by call.
    /// </summary>
    internal virtual bool IsStatic => false;

    /// <summary>The parameters with PyTorch state_dict names (<c>weight</c>, <c>0.bias</c>, ...), in registration order.</summary>
    public virtual IEnumerable<(string Name, Var Parameter)> NamedParameters() => [];

    /// <summary>The parameters, in the order of <see cref="NamedParameters"/>.</summary>
    public IEnumerable<Var> Parameters() => NamedParameters().Select(p => p.Parameter);

    /// <summary>Zeros every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (Var p in Parameters()) p.ZeroGrad();
    }

    /// <summary>Frees the parameters.</summary>
    public virtual void Dispose()
    {
        foreach (Var p in Parameters()) p.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless x is a live (n, <paramref name="features"/>) batch on this device.</summary>
    protected void CheckInput(Var x, int features)
    {
        ArgumentNullException.ThrowIfNull(x);
        ObjectDisposedException.ThrowIf(x.IsDisposed, x);
        if (!ReferenceEquals(x.Device, Device))
            throw new ArgumentException($"x lives on {x.Device} but the module on {Device}.", nameof(x));
        if (x.Value.Rank != 2 || x.Value.Dim(1) != features)
            throw new ArgumentException(
                $"{GetType().Name} expects input of shape (n, {features}), got {Shapes.Format(x.Value.Shape)}.", nameof(x));
    }
}

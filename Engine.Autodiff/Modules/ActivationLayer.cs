namespace TorchEbm.Autodiff;

/// <summary>An activation as a parameter-free module (nn.SiLU, nn.ReLU, ... in a Sequential).</summary>
public sealed class ActivationLayer(Device device, Activation activation) : Module(device)
{
    /// <summary>The activation applied.</summary>
    public Activation Activation { get; } = Enum.IsDefined(activation) ? activation
        : throw new ArgumentOutOfRangeException(nameof(activation), activation, $"activation must be one of {string.Join(", ", Enum.GetNames<Activation>())}.");

    /// <inheritdoc />
    internal override bool IsStatic => true;

    /// <inheritdoc />
    public override Var Forward(Var x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.Apply(Activation);
    }
}

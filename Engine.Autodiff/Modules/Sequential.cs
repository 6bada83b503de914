namespace TorchEbm.Autodiff;

/// <summary>Applies modules in order; parameters are named <c>{index}.{name}</c> as in PyTorch's nn.Sequential.</summary>
public class Sequential : Module
{
    private readonly Module[] _layers;

    /// <summary>Creates the chain (it owns the layers).</summary>
    /// <exception cref="ArgumentException">No layers, a null layer, layers on different devices, or a Linear layer whose
    /// input width is not the output width of the Linear layer before it (with only activations between them).</exception>
    public Sequential(params Module[] layers) : base(FirstDevice(layers))
    {
        Linear? previous = null;
        int previousIndex = -1;
        for (int i = 0; i < layers.Length; i++)
        {
            if (layers[i] is null) throw new ArgumentException($"layers[{i}] is null.", nameof(layers));
            if (!ReferenceEquals(layers[i].Device, Device))
                throw new ArgumentException($"layers[{i}] lives on {layers[i].Device} but layers[0] on {Device}.", nameof(layers));
            if (layers[i] is Linear linear)
            {
                if (previous is not null && linear.InFeatures != previous.OutFeatures)
                    throw new ArgumentException(
                        $"layers[{i}] takes {linear.InFeatures} features but layers[{previousIndex}] gives {previous.OutFeatures}.", nameof(layers));
                (previous, previousIndex) = (linear, i);
            }
            else if (layers[i] is not ActivationLayer) previous = null; // an unknown module may change the width
        }
        _layers = [.. layers];
    }

    /// <summary>The layers, in order.</summary>
    public IReadOnlyList<Module> Layers => _layers;

    /// <inheritdoc />
    public override int? InputDim => _layers[0].InputDim;

    /// <inheritdoc />
    /// <remarks>A subclass may override Forward, so only Sequential and MLP themselves count, with static layers.</remarks>
    internal override bool IsStatic
    {
        get
        {
            if (GetType() != typeof(Sequential) && GetType() != typeof(MLP)) return false;
            foreach (Module layer in _layers)
                if (!layer.IsStatic) return false;
            return true;
        }
    }

    /// <inheritdoc />
    public override Var Forward(Var x)
    {
        Var h = x;
        foreach (Module layer in _layers) h = layer.Forward(h);
        return h;
    }

    /// <inheritdoc />
    public override IEnumerable<(string Name, Var Parameter)> NamedParameters() =>
        _layers.SelectMany((layer, i) => layer.NamedParameters().Select(p => ($"{i}.{p.Name}", p.Parameter)));

    /// <inheritdoc />
    public override void Dispose()
    {
        foreach (Module layer in _layers) layer.Dispose();
        GC.SuppressFinalize(this);
    }

    private static Device FirstDevice(Module[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Length == 0 || layers[0] is null) throw new ArgumentException("A Sequential needs at least one layer.", nameof(layers));
        return layers[0].Device;
    }
}

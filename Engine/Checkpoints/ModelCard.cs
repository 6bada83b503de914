using System.Globalization;
using TorchEbm.Autodiff;

namespace TorchEbm.Checkpoints;

/// <summary>
/// What a checkpoint written by <see cref="Checkpoint.Save(string, Models.NeuralNetworkModel, SamplerSettings?, IReadOnlyDictionary{string, string}?)"/>
/// says about its model: the MLP's architecture, the sampler settings if the caller gave them, and the caller's other
/// metadata. Read it with <see cref="Checkpoint.ReadModelCard"/>.
/// </summary>
public sealed record ModelCard
{
    internal ModelCard(int inputDim, IReadOnlyList<int> hiddenDims, Activation activation, int outputDim,
        SamplerSettings? sampler, IReadOnlyDictionary<string, string> metadata)
    {
        InputDim = inputDim;
        HiddenDims = hiddenDims;
        Activation = activation;
        OutputDim = outputDim;
        Sampler = sampler;
        Metadata = metadata;
    }

    /// <summary>The version of the card's layout this engine writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>Input features of the network (the sample dimension).</summary>
    public int InputDim { get; }

    /// <summary>Widths of the hidden layers, in order (empty for a single Linear layer).</summary>
    public IReadOnlyList<int> HiddenDims { get; }

    /// <summary>The activation between the Linear layers (PyTorch's class name: <c>torch.nn.SiLU</c>, ...).</summary>
    public Activation Activation { get; }

    /// <summary>Output features of the network (1 for an energy).</summary>
    public int OutputDim { get; }

    /// <summary>The sampler settings saved with the model, or null when none were given.</summary>
    public SamplerSettings? Sampler { get; }

    /// <summary>The caller's other metadata (every key that is not one of the card's).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// One line with the values, e.g. "ModelCard: MLP 2-64-64-1 (SiLU); sampler: Langevin step 0.01, noise 0.1, 200 steps;
    /// metadata: dataset=eight-gaussians, loss=cd" (metadata keys in ordinal order).
    /// </summary>
    public override string ToString()
    {
        string widths = string.Join("-", new[] { InputDim }.Concat(HiddenDims).Append(OutputDim));
        string text = $"ModelCard: MLP {widths} ({Activation})";
        if (Sampler is SamplerSettings s)
            text += string.Create(CultureInfo.InvariantCulture, $"; sampler: Langevin step {s.StepSize:G}, noise {s.NoiseScale:G}, {s.Steps} steps");
        if (Metadata.Count > 0)
            text += "; metadata: " + string.Join(", ", Metadata.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key}={m.Value}"));
        return text;
    }
}

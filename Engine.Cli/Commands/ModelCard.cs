using System.Globalization;
using TorchEbm.Autodiff;
using TorchEbm.Checkpoints;

namespace TorchEbm.Cli.Commands;

/// <summary>
/// The metadata <c>torchebm train</c> writes into model.safetensors, read and checked: every value well-formed and in
/// range, the activation a name (not an enum number), and the file's parameter count that of the network the metadata
/// describes (so nothing is allocated for a network the file does not hold).
/// </summary>
internal sealed record ModelCard(int InputDim, int[] Hidden, Activation Activation, float StepSize, float NoiseScale, int SampleSteps)
{
    /// <exception cref="InvalidDataException">The file is not a safetensors file, or its metadata is missing or malformed.</exception>
    public static ModelCard Read(FileInfo file)
    {
        (IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string> metadata) = SafeTensorsFile.Load(file.FullName);
        string Meta(string key) => metadata.TryGetValue(key, out string? v) ? v
            : throw new InvalidDataException($"{file.Name} lacks the '{key}' metadata torchebm train writes.");
        InvalidDataException Bad(string key, string expected) => new($"{file.Name}: metadata '{key}' is '{Meta(key)}', expected {expected}.");

        int Integer(string key, int min) =>
            int.TryParse(Meta(key), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) && v >= min ? v
                : throw Bad(key, $"an integer from {min} to {int.MaxValue}");
        float Real(string key, bool positive) =>
            float.TryParse(Meta(key), NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v) && (positive ? v > 0 : v >= 0) ? v
                : throw Bad(key, positive ? "a finite number > 0" : "a finite number >= 0");

        int inputDim = Integer("input_dim", 1);
        if (!Widths.TryParse(Meta("hidden"), out int[] hidden, out _)) throw Bad("hidden", "comma-separated widths like 64,64");
        if (!Names.TryParse(Meta("activation"), out Activation activation)) throw Bad("activation", $"one of {Names.List<Activation>()}");
        var card = new ModelCard(inputDim, hidden, activation, Real("step_size", true), Real("noise_scale", false), Integer("sample_steps", 0));

        long stored = tensors.Sum(t => (long)t.Data.Length), expected = Widths.Parameters(inputDim, hidden);
        if (stored != expected)
            throw new InvalidDataException($"{file.Name}: its metadata describes a {inputDim}-{string.Join("-", hidden)}-1 network of {expected} parameters, but the file holds {stored}.");
        return card;
    }
}

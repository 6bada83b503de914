using System.Globalization;
using TorchEbm.Autodiff;

namespace TorchEbm.Checkpoints;

/// <summary>
/// The model card's safetensors metadata keys: how a <see cref="ModelCard"/> is written and, strictly, read back.
/// Every value is a string (safetensors metadata holds only strings); integers are canonical decimals, floats
/// round-trip invariant-culture text, the activation is its PyTorch class name.
/// </summary>
internal static class ModelCardFormat
{
    public const string FormatKey = "format";
    public const string FormatValue = "torchebm-mlp";
    public const string VersionKey = "format_version";
    public const string InputDimKey = "input_dim";
    public const string HiddenKey = "hidden";
    public const string ActivationKey = "activation";
    public const string OutputDimKey = "output_dim";
    public const string StepSizeKey = "step_size";
    public const string NoiseScaleKey = "noise_scale";
    public const string SampleStepsKey = "sample_steps";

    /// <summary>Largest layer width a card may name.</summary>
    public const int MaxWidth = 1 << 20;

    /// <summary>Most hidden layers a card may name.</summary>
    public const int MaxHiddenLayers = 1024;

    /// <summary>The keys the card owns; a caller's metadata may not use them.</summary>
    public static readonly IReadOnlyList<string> Keys =
        [FormatKey, VersionKey, InputDimKey, HiddenKey, ActivationKey, OutputDimKey, StepSizeKey, NoiseScaleKey, SampleStepsKey];

    private static readonly string[] SamplerKeys = [StepSizeKey, NoiseScaleKey, SampleStepsKey];

    /// <summary>
    /// The architecture of <paramref name="network"/> if it is a plain MLP (an <see cref="MLP"/> or a
    /// <see cref="Sequential"/> of Linear layers with one activation between each pair); ArgumentException otherwise.
    /// </summary>
    public static (int InputDim, int[] HiddenDims, Activation Activation, int OutputDim) Describe(Module network, string argument)
    {
        if (network is not Sequential sequential || (network.GetType() != typeof(Sequential) && network is not MLP))
            throw NotDescribable($"its network is a {network.GetType().Name}, not a Sequential", argument);
        IReadOnlyList<Module> layers = sequential.Layers;
        if (layers.Count % 2 == 0)
            throw NotDescribable($"its Sequential has {layers.Count} layers; an MLP has an odd number (Linear, activation, Linear, ...)", argument);
        var linears = new List<Linear>();
        Activation? activation = null;
        for (int i = 0; i < layers.Count; i++)
        {
            if (i % 2 == 0)
            {
                if (layers[i] is not Linear linear)
                    throw NotDescribable($"layer {i} is a {layers[i].GetType().Name} where a Linear belongs", argument);
                if (linears.Count > 0 && linears[^1].OutFeatures != linear.InFeatures)
                    throw NotDescribable($"layer {i} takes {linear.InFeatures} features but the Linear before it gives {linears[^1].OutFeatures}", argument);
                linears.Add(linear);
            }
            else if (layers[i] is not ActivationLayer layer)
                throw NotDescribable($"layer {i} is a {layers[i].GetType().Name} where an activation belongs", argument);
            else if (activation is Activation a && a != layer.Activation)
                throw NotDescribable($"layer {i} is {layer.Activation} but layer 1 is {a}; the card names one activation", argument);
            else activation = layer.Activation;
        }
        // A single Linear has no activation; the card still names one (MLP's default), which then has no effect.
        return (linears[0].InFeatures, [.. linears.SkipLast(1).Select(l => l.OutFeatures)], activation ?? Activation.SiLU, linears[^1].OutFeatures);
    }

    /// <summary>The metadata to write: the card's keys, then the caller's (which must not collide with them).</summary>
    public static Dictionary<string, string> Write((int InputDim, int[] HiddenDims, Activation Activation, int OutputDim) architecture,
        SamplerSettings? sampler, IReadOnlyDictionary<string, string>? extra)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [FormatKey] = FormatValue,
            [VersionKey] = ModelCard.FormatVersion.ToString(CultureInfo.InvariantCulture),
            [InputDimKey] = architecture.InputDim.ToString(CultureInfo.InvariantCulture),
            [HiddenKey] = string.Join(",", architecture.HiddenDims.Select(h => h.ToString(CultureInfo.InvariantCulture))),
            [ActivationKey] = architecture.Activation.ToString(),
            [OutputDimKey] = architecture.OutputDim.ToString(CultureInfo.InvariantCulture),
        };
        if (sampler is not null)
        {
            metadata[StepSizeKey] = sampler.StepSize.ToString("R", CultureInfo.InvariantCulture);
            metadata[NoiseScaleKey] = sampler.NoiseScale.ToString("R", CultureInfo.InvariantCulture);
            metadata[SampleStepsKey] = sampler.Steps.ToString(CultureInfo.InvariantCulture);
        }
        foreach ((string key, string value) in extra ?? new Dictionary<string, string>())
        {
            if (key is null) throw new ArgumentException("metadata has a null key.", "metadata");
            if (Keys.Contains(key))
                throw new ArgumentException(
                    $"metadata key '{key}' is one of the model card's keys ({string.Join(", ", Keys)}); rename it" +
                    (SamplerKeys.Contains(key) ? ", or pass sampler settings as the sampler argument." : "."), "metadata");
            metadata[key] = value ?? throw new ArgumentException($"metadata['{key}'] is null; metadata values must be strings.", "metadata");
        }
        return metadata;
    }

    /// <summary>Reads and checks the card in a file's metadata; InvalidDataException naming the key and the problem.</summary>
    public static ModelCard Read(IReadOnlyDictionary<string, string> metadata, string file)
    {
        string format = Require(metadata, FormatKey, file);
        if (format != FormatValue)
            throw Invalid(file, $"'{FormatKey}' is '{format}', expected '{FormatValue}'");
        int version = Integer(metadata, VersionKey, file, min: 1, max: int.MaxValue);
        if (version != ModelCard.FormatVersion)
            throw Invalid(file, $"'{VersionKey}' is {version}, but this engine reads version {ModelCard.FormatVersion}");
        int inputDim = Integer(metadata, InputDimKey, file, min: 1, max: MaxWidth);
        int[] hidden = Widths(metadata, file);
        Activation activation = ParseActivation(Require(metadata, ActivationKey, file), file);
        int outputDim = Integer(metadata, OutputDimKey, file, min: 1, max: MaxWidth);

        long parameters = MLP.ParameterCount(inputDim, hidden, outputDim);
        if (parameters > int.MaxValue)
            throw Invalid(file, $"its architecture ({InputDimKey} {inputDim}, {HiddenKey} [{string.Join(",", hidden)}], {OutputDimKey} {outputDim}) has {parameters} parameters, more than {int.MaxValue}");

        SamplerSettings? sampler = null;
        string[] present = [.. SamplerKeys.Where(metadata.ContainsKey)];
        if (present.Length is > 0 and < 3)
            throw Invalid(file, $"it has the sampler key{(present.Length > 1 ? "s" : "")} {string.Join(", ", present.Select(k => $"'{k}'"))} " +
                                $"but lacks {string.Join(", ", SamplerKeys.Except(present).Select(k => $"'{k}'"))}; sampler settings are all three or none");
        if (present.Length == 3)
        {
            float stepSize = Float(metadata, StepSizeKey, file);
            float noiseScale = Float(metadata, NoiseScaleKey, file);
            if (stepSize <= 0) throw Invalid(file, $"'{StepSizeKey}' is {metadata[StepSizeKey]}; it must be positive");
            if (noiseScale < 0) throw Invalid(file, $"'{NoiseScaleKey}' is {metadata[NoiseScaleKey]}; it must be >= 0");
            sampler = new SamplerSettings(stepSize, noiseScale, Integer(metadata, SampleStepsKey, file, min: 0, max: SamplerSettings.MaxSteps));
        }
        var extra = metadata.Where(p => !Keys.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        return new ModelCard(inputDim, hidden, activation, outputDim, sampler, extra);
    }

    /// <summary>
    /// Checks that the file's tensors are exactly those of the card's MLP (PyTorch names <c>0.weight</c>, <c>0.bias</c>,
    /// <c>2.weight</c>, ...) with its shapes; InvalidDataException naming the first that is not.
    /// </summary>
    public static void CheckTensors(ModelCard card, IReadOnlyList<SafeTensor> tensors, string file)
    {
        int[] sizes = [card.InputDim, .. card.HiddenDims, card.OutputDim];
        var expected = new Dictionary<string, int[]>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < sizes.Length; i++)
        {
            expected[$"{2 * i}.weight"] = [sizes[i + 1], sizes[i]];
            expected[$"{2 * i}.bias"] = [sizes[i + 1]];
        }
        string[] missing = [.. expected.Keys.Where(n => tensors.All(t => t.Name != n))];
        string[] unexpected = [.. tensors.Select(t => t.Name).Where(n => !expected.ContainsKey(n))];
        if (missing.Length > 0 || unexpected.Length > 0)
            throw Mismatch(file, $"its tensors do not fit the card's architecture ({Architecture(card)}): missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}]");
        foreach (SafeTensor t in tensors)
            if (!t.Shape.AsSpan().SequenceEqual(expected[t.Name]))
                throw Mismatch(file, $"tensor '{t.Name}' has shape {t.ShapeText} but the card's architecture ({Architecture(card)}) gives it {Shapes.Format(expected[t.Name])}");
    }

    private static string Architecture(ModelCard card) =>
        $"{InputDimKey} {card.InputDim}, {HiddenKey} [{string.Join(",", card.HiddenDims)}], {OutputDimKey} {card.OutputDim}";

    private static string Require(IReadOnlyDictionary<string, string> metadata, string key, string file) =>
        metadata.TryGetValue(key, out string? value) ? value
            : throw Invalid(file, $"the model card key '{key}' is missing" + key switch
            {
                FormatKey => " (a file saved with Checkpoint.Save(path, module, metadata) carries no card: load it with Checkpoint.Load into a network you build)",
                VersionKey => " (torchebm train wrote files without one before model cards: load such a file with Checkpoint.Load into a network you build)",
                _ => "",
            });

    /// <summary>A canonical decimal integer in [min, max]: digits only, no sign, spaces or leading zeros.</summary>
    private static int Integer(IReadOnlyDictionary<string, string> metadata, string key, string file, int min, int max)
    {
        string text = Require(metadata, key, file);
        if (!TryCanonicalInteger(text, out long value))
            throw Invalid(file, $"'{key}' is '{text}', not a whole number written in decimal digits");
        if (value < min || value > max)
            throw Invalid(file, $"'{key}' is {text}; it must be in [{min}, {max}]");
        return (int)value;
    }

    private static bool TryCanonicalInteger(string text, out long value)
    {
        value = 0;
        if (text.Length is 0 or > 11 || (text.Length > 1 && text[0] == '0') || !text.All(char.IsAsciiDigit)) return false;
        value = long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return true;
    }

    private static int[] Widths(IReadOnlyDictionary<string, string> metadata, string file)
    {
        string text = Require(metadata, HiddenKey, file);
        if (text.Length == 0) return [];
        string[] parts = text.Split(',');
        if (parts.Length > MaxHiddenLayers)
            throw Invalid(file, $"'{HiddenKey}' names {parts.Length} hidden layers; at most {MaxHiddenLayers} are accepted");
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!TryCanonicalInteger(parts[i], out long width))
                throw Invalid(file, $"'{HiddenKey}' is '{text}'; entry {i} ('{parts[i]}') is not a whole number (expected comma-separated widths like 64,64, or empty for none)");
            if (width < 1 || width > MaxWidth)
                throw Invalid(file, $"'{HiddenKey}' is '{text}'; width {i} is {width}, outside [1, {MaxWidth}]");
            widths[i] = (int)width;
        }
        return widths;
    }

    /// <summary>One of <see cref="Activation"/>'s names exactly (PyTorch's class names); never a number or another case.</summary>
    private static Activation ParseActivation(string text, string file)
    {
        foreach (Activation a in Enum.GetValues<Activation>())
            if (string.Equals(a.ToString(), text, StringComparison.Ordinal)) return a;
        throw Invalid(file, $"'{ActivationKey}' is '{text}', not one of {string.Join(", ", Enum.GetNames<Activation>())} (names, case-sensitive; numbers are not accepted)");
    }

    private static float Float(IReadOnlyDictionary<string, string> metadata, string key, string file)
    {
        string text = metadata[key];
        const NumberStyles style = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;
        if (!float.TryParse(text, style, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
            throw Invalid(file, $"'{key}' is '{text}', not a finite number");
        return value;
    }

    private static ArgumentException NotDescribable(string why, string argument) => new(
        $"{argument} cannot be described by a model card: {why}. Only plain MLPs (an MLP, or a Sequential of Linear layers " +
        "with one activation between each pair) are supported; save other networks' weights with " +
        "Checkpoint.Save(path, module, metadata) and rebuild the network yourself before Checkpoint.Load.", argument);

    private static InvalidDataException Invalid(string file, string why) => new($"{file}: invalid model card: {why}.");

    private static InvalidDataException Mismatch(string file, string why) => new($"{file} does not match its model card: {why}.");
}

using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace TorchEbm.Cli.Commands;

/// <summary>
/// Numeric options checked while parsing: a value that does not parse, or is out of range, is a parse error naming
/// the option. (A validator that reads an unparsable value throws instead of reporting it.)
/// </summary>
internal static class Numbers
{
    /// <summary>A float option that must be positive and finite.</summary>
    public static Option<float> PositiveFinite(string name, string description, float fallback) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => fallback,
        CustomParser = result =>
        {
            if (result.Tokens.Count == 0) return fallback;
            string text = result.Tokens[0].Value;
            if (float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && float.IsFinite(value) && value > 0)
                return value;
            result.AddError($"{name} must be a positive finite number, got '{text}'.");
            return fallback;
        },
    };

    /// <summary>A float option that must be zero or positive, and finite.</summary>
    public static Option<float> NonNegativeFinite(string name, string description, float fallback) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => fallback,
        CustomParser = result =>
        {
            if (result.Tokens.Count == 0) return fallback;
            string text = result.Tokens[0].Value;
            if (float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && float.IsFinite(value) && value >= 0)
                return value;
            result.AddError($"{name} must be a finite number of at least 0, got '{text}'.");
            return fallback;
        },
    };

    /// <summary>A float option that must be in [0, 1].</summary>
    public static Option<float> Fraction(string name, string description, float fallback) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => fallback,
        CustomParser = result =>
        {
            if (result.Tokens.Count == 0) return fallback;
            string text = result.Tokens[0].Value;
            if (float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && value is >= 0f and <= 1f) return value;
            result.AddError($"{name} must be a number from 0 to 1, got '{text}'.");
            return fallback;
        },
    };

    /// <summary>An integer option that must be from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Option<int> Between(string name, int min, int max, string description, int fallback) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => fallback,
        CustomParser = result => result.Tokens.Count == 0 ? fallback : Integer(result, name, min, max) ?? fallback,
    };

    /// <summary>An optional integer option that, when given, must be from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Option<int?> OptionalBetween(string name, int min, int max, string description) => new(name)
    {
        Description = description,
        CustomParser = result => result.Tokens.Count == 0 ? null : Integer(result, name, min, max),
    };

    private static int? Integer(ArgumentResult result, string name, int min, int max)
    {
        string text = result.Tokens[0].Value;
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max) return value;
        result.AddError($"{name} must be an integer from {min} to {max}, got '{text}'.");
        return null;
    }

    /// <summary>An integer option that must be at least <paramref name="min"/>.</summary>
    public static Option<int> AtLeast(string name, int min, string description, int fallback) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => fallback,
        CustomParser = result =>
        {
            if (result.Tokens.Count == 0) return fallback;
            string text = result.Tokens[0].Value;
            if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) && value >= min) return value;
            result.AddError($"{name} must be an integer of at least {min}, got '{text}'.");
            return fallback;
        },
    };
}

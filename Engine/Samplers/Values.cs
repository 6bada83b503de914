using System.Globalization;

namespace TorchEbm.Samplers;

/// <summary>Short text forms of host values for the samplers' ToString.</summary>
internal static class Values
{
    /// <summary>At most four values to four significant digits, <c>[1.5, -0.25, 3, 4, ... (10 in all)]</c>.</summary>
    public static string Brief(ReadOnlySpan<float> values)
    {
        const int shown = 4;
        var parts = new List<string>();
        for (int i = 0; i < Math.Min(shown, values.Length); i++) parts.Add(values[i].ToString("G4", CultureInfo.InvariantCulture));
        if (values.Length > shown) parts.Add($"... ({values.Length} in all)");
        return $"[{string.Join(", ", parts)}]";
    }
}

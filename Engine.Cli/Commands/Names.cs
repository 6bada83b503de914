namespace TorchEbm.Cli.Commands;

/// <summary>
/// Enum values by name only (case-insensitive). <see cref="Enum.TryParse{TEnum}(string, bool, out TEnum)"/> also takes
/// "3" or "-1" and returns an undefined value; a command line or a checkpoint must not.
/// </summary>
internal static class Names
{
    public static bool TryParse<T>(string text, out T value) where T : struct, Enum
    {
        foreach (T candidate in Enum.GetValues<T>())
            if (string.Equals(candidate.ToString(), text.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        value = default;
        return false;
    }
}

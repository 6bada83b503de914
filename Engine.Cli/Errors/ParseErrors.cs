using System.CommandLine;
using System.Text.RegularExpressions;

namespace TorchEbm.Cli.Errors;

/// <summary>
/// The parser's errors as a user wants to read them: a mistyped command or option with the nearest name ("did you mean
/// 'train'?"), a count that is not an integer said so ("--steps must be an integer, got '1e3'") instead of a .NET type
/// name. Other errors pass through unchanged.
/// </summary>
internal static partial class ParseErrors
{
    /// <summary>One line for the errors of <paramref name="parsed"/>.</summary>
    public static string Describe(ParseResult parsed)
    {
        Command command = parsed.CommandResult.Command;
        bool unknownToken = false;
        var messages = new List<string>();
        foreach (string message in parsed.Errors.Select(e => e.Message))
        {
            if (Unrecognized().Match(message) is { Success: true } unrecognized)
            {
                unknownToken = true;
                messages.Add(Unknown(unrecognized.Groups[1].Value, command));
            }
            else if (NotParsed().Match(message) is { Success: true } notParsed)
                messages.Add($"{notParsed.Groups[2].Value} must be {Expected(notParsed.Groups[3].Value)}, got '{notParsed.Groups[1].Value}'.");
            else messages.Add(message);
        }
        if (unknownToken && command is RootCommand) // "Required command was not provided" adds nothing to "unknown command"
            messages.RemoveAll(m => !m.StartsWith("unknown", StringComparison.Ordinal));
        return string.Join(" ", messages);
    }

    private static string Unknown(string token, Command command)
    {
        bool option = token.StartsWith('-');
        string[] names = option
            ? [.. command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal))]
            : [.. command.Subcommands.Select(c => c.Name)];
        string what = option ? "option" : command is RootCommand ? "command" : "argument";
        string? nearest = Nearest(token, names);
        if (nearest is not null) return $"unknown {what} '{token}'; did you mean '{nearest}'?";
        return names.Length == 0 ? $"unknown {what} '{token}'." : $"unknown {what} '{token}'; the {what}s are {string.Join(", ", names)}.";
    }

    /// <summary>The name closest to <paramref name="typed"/> within two edits (a swap of neighbours counts one), or null.</summary>
    internal static string? Nearest(string typed, IEnumerable<string> names)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string name in names)
        {
            int distance = Distance(typed.ToLowerInvariant(), name.ToLowerInvariant());
            if (distance < bestDistance) (best, bestDistance) = (name, distance);
        }
        int core = typed.TrimStart('-').Length;
        return bestDistance <= Math.Min(2, Math.Max(1, core / 3)) ? best : null;
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        for (int j = 1; j <= b.Length; j++)
        {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
        }
        return d[a.Length, b.Length];
    }

    private static string Expected(string type) => type switch
    {
        _ when type.Contains("Int32") || type.Contains("Int64") => "an integer",
        _ when type.Contains("Single") || type.Contains("Double") => "a number",
        _ when type.Contains("Boolean") => "true or false",
        _ => "a value of another form",
    };

    [GeneratedRegex("^Unrecognized command or argument '(.*)'\\.?$")]
    private static partial Regex Unrecognized();

    [GeneratedRegex("^Cannot parse argument '(.*)' for option '(.*)' as expected type '(.*)'\\.?$")]
    private static partial Regex NotParsed();
}

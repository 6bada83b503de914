using System.CommandLine;
using System.CommandLine.Parsing;

namespace TorchEbm.Cli.Commands;

/// <summary>The --device option: auto, cpu or cuda (gpu is an alias); names only, never enum numbers.</summary>
internal static class DeviceOption
{
    public static Option<DeviceKind> Create() => new("--device")
    {
        Description = "auto, cpu or cuda.",
        DefaultValueFactory = _ => DeviceKind.Auto,
        CustomParser = Parse,
    };

    private static DeviceKind Parse(ArgumentResult result)
    {
        if (result.Tokens.Count == 0) return DeviceKind.Auto;
        string text = result.Tokens[0].Value;
        if (text.Equals("gpu", StringComparison.OrdinalIgnoreCase)) return DeviceKind.Cuda;
        if (Names.TryParse(text, out DeviceKind kind)) return kind;
        result.AddError($"--device must be auto, cpu or cuda, got '{text}'.");
        return default;
    }
}

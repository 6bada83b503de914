namespace TorchEbm.Cli.Commands;

/// <summary>The --device option: auto, cpu or cuda.</summary>
internal static class DeviceOption
{
    public static DeviceKind Parse(string text) => text.ToLowerInvariant() switch
    {
        "auto" => DeviceKind.Auto,
        "cpu" => DeviceKind.Cpu,
        "cuda" or "gpu" => DeviceKind.Cuda,
        _ => throw new ArgumentException($"--device must be auto, cpu or cuda, got '{text}'."),
    };
}

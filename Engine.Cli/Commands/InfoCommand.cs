using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using TorchEbm.Cli.Errors;

namespace TorchEbm.Cli.Commands;

/// <summary><c>torchebm info</c>: the accelerators this machine offers, the one Auto picks, and versions.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "List devices, the one Device.Create() picks, and ILGPU/.NET versions. " + ExitCodes.Help);
        command.SetAction(result => Run(result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        return command;
    }

    private static int Run(TextWriter output, TextWriter error)
    {
        output.WriteLine($"TorchEbm.Gpu {Version(typeof(Device).Assembly)}");
        output.WriteLine($"ILGPU        {Version(typeof(ILGPU.Context).Assembly)}");
        output.WriteLine($".NET         {RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier})");
        output.WriteLine($"Host         {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} logical cores");
        output.WriteLine();
        output.WriteLine("Devices:");
        foreach (DeviceInfo info in Device.List())
            output.WriteLine($"  {info}");
        output.WriteLine();

        string? overrideValue = Environment.GetEnvironmentVariable(Device.EnvironmentVariable);
        try
        {
            using Device device = Device.Create();
            string why = string.IsNullOrWhiteSpace(overrideValue) ? "Auto" : $"{Device.EnvironmentVariable}={overrideValue}";
            output.WriteLine($"Device.Create() picks: {device} ({why})");
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is DeviceUnavailableException or ArgumentException)
        {
            error.WriteLine($"torchebm info: Device.Create() fails: {e.Message}");
            return ExitCodes.Usage;
        }
    }

    private static string Version(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? assembly.GetName().Version?.ToString() ?? "unknown";
}

using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Diagnostics;
using TorchEbm.Cli.Errors;
using TorchEbm.Distributed;
using TorchEbm.Training;

namespace TorchEbm.Cli.Commands;

/// <summary>
/// <c>torchebm info</c>: the accelerators this machine offers, the one Auto picks, and versions; under <c>mpiexec</c>
/// also the ranks and the time of one data-parallel training step's Allreduce (the default MLP's gradients).
/// </summary>
internal static class InfoCommand
{
    /// <summary>Allreduce calls timed under mpiexec.</summary>
    internal const int AllreduceRepeats = 200;

    public static Command Create(Communicator communicator)
    {
        var command = new Command("info", "List devices, the one Device.Create() picks, and ILGPU/.NET versions; under mpiexec the ranks and " +
                                          "the Allreduce time of a training step. " + ExitCodes.Help);
        command.SetAction(result => Run(communicator, result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        return command;
    }

    private static int Run(Communicator communicator, TextWriter output, TextWriter error)
    {
        if (communicator.Size > 1) ReportRanks(communicator, output);
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

    /// <summary>
    /// The ranks, and the median time of an Allreduce of the default MLP's gradients and the loss (what data-parallel
    /// training sums once per step), each call started together after a barrier so that waiting is not counted.
    /// </summary>
    private static void ReportRanks(Communicator communicator, TextWriter output)
    {
        IReadOnlyList<int> hidden = new TrainingOptions().Hidden;
        int floats = 1, inputs = 2;
        foreach (int width in hidden.Append(1))
        {
            floats += inputs * width + width;
            inputs = width;
        }
        var values = new float[floats];
        var times = new double[AllreduceRepeats];
        for (int i = 0; i < times.Length; i++)
        {
            communicator.Barrier();
            long start = Stopwatch.GetTimestamp();
            communicator.SumInPlace(values);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        output.WriteLine($"MPI          {communicator.Size} ranks, {communicator.LocalSize} on {communicator.Host}; Allreduce of {floats} floats " +
                         $"(the default MLP's gradients and the loss): median {times[times.Length / 2]:F3} ms over {times.Length} calls");
        output.WriteLine();
    }

    private static string Version(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? assembly.GetName().Version?.ToString() ?? "unknown";
}

using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using TorchEbm.Autodiff;
using TorchEbm.Cli.Errors;

namespace TorchEbm.Cli.Commands;

/// <summary>Hidden-layer widths ("64,64"): the --hidden option, and whether a network fits the device.</summary>
internal static class Widths
{
    public static Option<int[]> CreateOption(IReadOnlyList<int> defaults) => new("--hidden")
    {
        Description = "Hidden widths of the MLP, comma separated.",
        DefaultValueFactory = _ => [.. defaults],
        CustomParser = result =>
        {
            if (result.Tokens.Count == 0) return [.. defaults];
            if (TryParse(result.Tokens[0].Value, out int[] widths, out string? error)) return widths;
            result.AddError($"--hidden {error}");
            return null;
        },
    };

    /// <summary>Parses "64,64": at least one width, each an integer from 1 to <see cref="int.MaxValue"/>.</summary>
    public static bool TryParse(string text, out int[] widths, out string? error)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out widths[i]) || widths[i] < 1)
            {
                error = $"must be comma-separated widths from 1 to {int.MaxValue} like 64,64, got '{text}'.";
                return false;
            }
        error = null;
        return true;
    }

    /// <summary>
    /// Throws <see cref="UsageException"/> when an MLP with these widths, run on <paramref name="rows"/> rows at once, has a
    /// tensor over 2^31 - 1 elements or needs (roughly: parameters with gradients and Adam moments, and the tape's activations
    /// and their gradients) more memory than <paramref name="device"/> has, before anything is allocated.
    /// </summary>
    public static void CheckFits(Device device, int inputDim, IReadOnlyList<int> hidden, int rows)
    {
        long[] sizes = [inputDim, .. hidden.Select(h => (long)h), 1];
        long largest = 0, units = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            units += sizes[i];
            largest = Math.Max(largest, rows * sizes[i]);
            if (i + 1 < sizes.Length) largest = Math.Max(largest, sizes[i] * sizes[i + 1]);
        }
        string network = $"--hidden {string.Join(",", hidden)}";
        if (largest > int.MaxValue)
            throw new UsageException($"{network} is too large: a tensor of {largest} elements, more than {int.MaxValue}.");
        double bytes = 4.0 * (4.0 * MLP.ParameterCount(inputDim, hidden, outputDim: 1) + 8.0 * rows * units);
        long available = device.Kind == DeviceKind.Cpu ? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes : device.Accelerator.MemorySize;
        if (bytes > 0.8 * available)
            throw new UsageException($"{network} needs about {bytes / (1L << 30):F1} GiB, more than this device's {available / (double)(1L << 30):F1} GiB allows.");
    }
}

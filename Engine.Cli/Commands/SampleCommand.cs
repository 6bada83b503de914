using System.CommandLine;
using System.Globalization;
using TorchEbm.Autodiff;
using TorchEbm.Checkpoints;
using TorchEbm.Models;
using TorchEbm.Samplers;

namespace TorchEbm.Cli.Commands;

/// <summary>
/// <c>torchebm sample --checkpoint FILE --n N [--steps S] --out FILE.csv</c>: draws Langevin samples (from N(0, I)) from
/// a model saved by <c>torchebm train</c>, whose architecture, sampler settings and sampling steps are in the checkpoint's metadata.
/// </summary>
internal static class SampleCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<FileInfo>("--checkpoint") { Description = "model.safetensors written by torchebm train.", Required = true };
        var n = new Option<int>("--n") { Description = "Number of samples.", DefaultValueFactory = _ => 1000 };
        var steps = new Option<int?>("--steps") { Description = "Langevin steps from N(0, I); default: the number training used for its final samples (checkpoint metadata)." };
        var seed = new Option<long>("--seed") { Description = "Seed of the chains.", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda.", DefaultValueFactory = _ => "auto" };
        var output = new Option<FileInfo>("--out") { Description = "CSV file to write (x1,x2,... per row).", Required = true };
        var command = new Command("sample", "Draw samples from a trained checkpoint into a CSV file.");
        foreach (Option option in new Option[] { checkpoint, n, steps, seed, device, output }) command.Options.Add(option);
        command.SetAction(result =>
        {
            try
            {
                return Run(result.GetValue(checkpoint)!, result.GetValue(n), result.GetValue(steps), result.GetValue(seed),
                    DeviceOption.Parse(result.GetValue(device)!), result.GetValue(output)!);
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException)
            {
                Console.Error.WriteLine($"torchebm sample: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    private static int Run(FileInfo checkpoint, int n, int? requestedSteps, long seed, DeviceKind kind, FileInfo output)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1, "--n");
        if (requestedSteps is int s) ArgumentOutOfRangeException.ThrowIfNegative(s, "--steps");
        if (!checkpoint.Exists) throw new FileNotFoundException($"No checkpoint at {checkpoint.FullName}.");
        IReadOnlyDictionary<string, string> metadata = SafeTensorsFile.Load(checkpoint.FullName).Metadata;
        string Meta(string key) => metadata.TryGetValue(key, out string? v) ? v
            : throw new InvalidDataException($"{checkpoint.Name} lacks the '{key}' metadata torchebm train writes.");
        int inputDim = int.Parse(Meta("input_dim"), CultureInfo.InvariantCulture);
        int[] hidden = TrainCommand.ParseWidths(Meta("hidden"));
        Activation activation = Enum.Parse<Activation>(Meta("activation"));
        float stepSize = float.Parse(Meta("step_size"), CultureInfo.InvariantCulture);
        float noiseScale = float.Parse(Meta("noise_scale"), CultureInfo.InvariantCulture);
        int steps = requestedSteps ?? int.Parse(Meta("sample_steps"), CultureInfo.InvariantCulture);

        using Device device = Device.Create(kind);
        using var model = new NeuralNetworkModel(new MLP(device, inputDim, hidden, 1, activation));
        Checkpoint.Load(checkpoint.FullName, model.Network);
        using Tensor samples = new LangevinDynamics(model, stepSize, noiseScale, seed).Sample(n, inputDim, steps);
        float[] values = samples.ToArray();
        string temporary = output.FullName + ".tmp";
        using (var writer = new StreamWriter(temporary))
        {
            writer.WriteLine(string.Join(",", Enumerable.Range(1, inputDim).Select(i => $"x{i}")));
            for (int r = 0; r < n; r++)
                writer.WriteLine(string.Join(",", Enumerable.Range(0, inputDim).Select(j => values[r * inputDim + j].ToString("R", CultureInfo.InvariantCulture))));
        }
        File.Move(temporary, output.FullName, overwrite: true);
        Console.WriteLine($"wrote {n} samples ({steps} Langevin steps, step size {stepSize}, noise scale {noiseScale}) to {output.FullName}");
        return 0;
    }
}

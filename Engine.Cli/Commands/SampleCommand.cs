using System.CommandLine;
using System.Globalization;
using TorchEbm.Checkpoints;
using TorchEbm.Files;
using TorchEbm.Cli.Errors;
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
        n.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--n must be at least 1."); });
        var steps = new Option<int?>("--steps") { Description = "Langevin steps from N(0, I); default: the number training used for its final samples (checkpoint metadata)." };
        steps.Validators.Add(r => { if (r.GetValueOrDefault<int?>() < 0) r.AddError("--steps must be at least 0."); });
        var seed = new Option<long>("--seed") { Description = "Seed of the chains.", DefaultValueFactory = _ => 0 };
        var device = DeviceOption.Create();
        var output = new Option<FileInfo>("--out") { Description = "CSV file to write (x1,x2,... per row).", Required = true };
        var command = new Command("sample", "Draw samples from a trained checkpoint into a CSV file. " + ExitCodes.Help);
        foreach (Option option in new Option[] { checkpoint, n, steps, seed, device, output }) command.Options.Add(option);
        command.SetAction(result => Run(result.GetValue(checkpoint)!, result.GetValue(n), result.GetValue(steps), result.GetValue(seed),
            result.GetValue(device), result.GetValue(output)!, result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        return command;
    }

    private static int Run(FileInfo checkpoint, int n, int? requestedSteps, long seed, DeviceKind kind, FileInfo output, TextWriter stdout, TextWriter stderr)
    {
        if (!checkpoint.Exists) throw new UsageException($"--checkpoint: no file at {checkpoint.FullName}.");
        OutputPaths.EnsureWritableFile(output, "--out");
        ModelCard card = Checkpoint.ReadModelCard(checkpoint.FullName);
        SamplerSettings sampler = card.Sampler
            ?? throw new InvalidDataException($"{checkpoint.Name} has no sampler settings in its model card; torchebm train writes them.");
        if (card.OutputDim != 1)
            throw new InvalidDataException($"{checkpoint.Name} holds a network with {card.OutputDim} outputs; an energy has one.");
        if ((long)n * card.InputDim > int.MaxValue)
            throw new UsageException($"--n {n} is too large: {n} x {card.InputDim} values exceed {int.MaxValue}.");
        int steps = requestedSteps ?? sampler.Steps;

        using Device device = Device.Create(kind);
        Widths.CheckFits(device, card.InputDim, [.. card.HiddenDims], n);
        using NeuralNetworkModel model = Checkpoint.LoadModel(checkpoint.FullName, device);
        using Tensor samples = new LangevinDynamics(model, sampler.StepSize, sampler.NoiseScale, seed).Sample(n, card.InputDim, steps);
        float[] values = samples.ToArray();
        int nonFinite = NonFiniteRows(values, card.InputDim);
        AtomicFile.Write(output.FullName, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.WriteLine(string.Join(",", Enumerable.Range(1, card.InputDim).Select(i => $"x{i}")));
            for (int r = 0; r < n; r++)
                writer.WriteLine(string.Join(",", Enumerable.Range(0, card.InputDim).Select(j => values[r * card.InputDim + j].ToString("R", CultureInfo.InvariantCulture))));
        });
        stdout.WriteLine($"wrote {n} samples ({steps} Langevin steps, step size {sampler.StepSize}, noise scale {sampler.NoiseScale}) to {output.FullName}");
        if (nonFinite > 0)
        {
            stderr.WriteLine($"torchebm sample: {nonFinite} of {n} samples are NaN or infinite after {steps} Langevin steps of size " +
                             $"{sampler.StepSize.ToString(CultureInfo.InvariantCulture)}; the CSV is written anyway. Try a smaller step size.");
            return ExitCodes.Diverged;
        }
        return ExitCodes.Ok;
    }

    /// <summary>How many of the rows of <paramref name="values"/> (rows of <paramref name="dim"/>) hold a NaN or infinity.</summary>
    private static int NonFiniteRows(float[] values, int dim)
    {
        int rows = 0;
        for (int r = 0; r < values.Length / dim; r++)
            for (int j = 0; j < dim; j++)
                if (!float.IsFinite(values[r * dim + j]))
                {
                    rows++;
                    break;
                }
        return rows;
    }
}

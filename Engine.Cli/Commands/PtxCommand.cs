using System.CommandLine;
using TorchEbm.Cli.Errors;
using TorchEbm.Launch;

namespace TorchEbm.Cli.Commands;

/// <summary>
/// <c>torchebm ptx --out DIR</c>: compiles every registered kernel to PTX (sm_90, no GPU needed) and writes one
/// <c>.ptx</c> file per kernel plus <c>kernels.tsv</c> (file, kernel, hot) for <c>tools/ptxas-check.sh</c>.
/// </summary>
internal static class PtxCommand
{
    public static Command Create()
    {
        var outOption = new Option<DirectoryInfo>("--out") { Description = "Directory to write the .ptx files and kernels.tsv to.", Required = true };
        var command = new Command("ptx", "Compile every kernel to PTX for sm_90 (no GPU needed) and write the files. " + ExitCodes.Help);
        command.Options.Add(outOption);
        command.SetAction(result => Run(result.GetValue(outOption)!, result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        return command;
    }

    private static int Run(DirectoryInfo outDir, TextWriter stdout, TextWriter stderr)
    {
        OutputPaths.EnsureWritableDirectory(outDir, "--out");
        using var compiler = new PtxCompiler();
        var manifest = new List<string> { "file\tkernel\thot" };
        int failures = 0;
        foreach (KernelEntry kernel in KernelRegistry.All)
        {
            string file = FileName(kernel) + ".ptx";
            try
            {
                File.WriteAllText(Path.Combine(outDir.FullName, file), compiler.Compile(kernel));
                manifest.Add($"{file}\t{kernel.Name}\t{(kernel.Hot ? "hot" : "-")}");
                stdout.WriteLine($"compiled {kernel.Name}");
            }
            catch (InvalidOperationException e)
            {
                stderr.WriteLine($"torchebm ptx: {e.Message}");
                failures++;
            }
        }
        File.WriteAllLines(Path.Combine(outDir.FullName, "kernels.tsv"), manifest);
        stdout.WriteLine($"{manifest.Count - 1} kernels written to {outDir.FullName}, {failures} failed");
        return failures == 0 ? ExitCodes.Ok : ExitCodes.Internal;
    }

    private static string FileName(KernelEntry kernel) =>
        string.Concat(kernel.Name.Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_'));
}

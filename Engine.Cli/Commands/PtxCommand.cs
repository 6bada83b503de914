using System.CommandLine;
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
        var command = new Command("ptx", "Compile every kernel to PTX for sm_90 (no GPU needed) and write the files.");
        command.Options.Add(outOption);
        command.SetAction(result => Run(result.GetValue(outOption)!));
        return command;
    }

    private static int Run(DirectoryInfo outDir)
    {
        outDir.Create();
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
                Console.WriteLine($"compiled {kernel.Name}");
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine(e.Message);
                failures++;
            }
        }
        File.WriteAllLines(Path.Combine(outDir.FullName, "kernels.tsv"), manifest);
        Console.WriteLine($"{manifest.Count - 1} kernels written to {outDir.FullName}, {failures} failed");
        return failures == 0 ? 0 : 1;
    }

    private static string FileName(KernelEntry kernel) =>
        string.Concat(kernel.Name.Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_'));
}

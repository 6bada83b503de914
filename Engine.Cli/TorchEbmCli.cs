using System.CommandLine;
using TorchEbm.Cli.Commands;
using TorchEbm.Cli.Errors;
using TorchEbm.Distributed;

namespace TorchEbm.Cli;

/// <summary>
/// The <c>torchebm</c> command line, callable in-process (tests) as well as from <c>Main</c>. The one place that turns
/// parse errors and exceptions into an exit code (<see cref="ExitCodes"/>) and a single line
/// <c>torchebm &lt;command&gt;: &lt;what is wrong&gt;</c> on stderr.
/// </summary>
public static class TorchEbmCli
{
    /// <summary>Set to 1 to get the stack trace of an internal error (exit code 1) after its line.</summary>
    public const string DebugVariable = "TORCHEBM_DEBUG";

    /// <summary>
    /// The process entry point: under <c>mpiexec</c> every rank runs the command (train: data-parallel; sample: chains split
    /// over the ranks) and only rank 0 prints and writes files; a rank that fails reports it and aborts every rank, so none
    /// waits for it. Without mpiexec no MPI library is needed.
    /// </summary>
    public static int RunProcess(string[] args)
    {
        Communicator communicator;
        try { communicator = Communicator.Start(); }
        catch (Exception e) when (e is MpiUnavailableException or InvalidOperationException)
        {
            Console.Error.WriteLine($"torchebm: {OneLine(e.Message)}");
            return ExitCodes.Usage;
        }
        if (communicator.Size > 1 && !SameArguments(args, communicator))
        {
            // Every rank sees the same gathered keys, so every rank stops here: nobody waits, nobody needs aborting.
            if (communicator.IsRoot)
                Console.Error.WriteLine($"torchebm: some of the {communicator.Size} ranks were started with other arguments than rank 0; " +
                                        "every rank must run the same command line.");
            communicator.Dispose();
            return ExitCodes.Usage;
        }
        (int code, bool everyRankAgrees) = Run(args, communicator.IsRoot ? Console.Out : TextWriter.Null, Console.Error, communicator);
        // A failed rank may leave the others waiting in a collective: end them all. Parse errors are the same on every rank.
        if (communicator.Size > 1 && code is ExitCodes.Internal or ExitCodes.Usage && !everyRankAgrees) communicator.Abort(code);
        communicator.Dispose();
        return code;
    }

    /// <summary>Whether every rank got the same command line (compared by a 64-bit hash of the arguments).</summary>
    private static bool SameArguments(string[] args, Communicator communicator)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in string.Join("\0", args)) hash = (hash ^ c) * 1099511628211UL;
        return communicator.AllEqual((long)hash);
    }

    /// <summary>Runs the command line <paramref name="args"/> in one process, writing to <paramref name="stdout"/> and <paramref name="stderr"/>.</summary>
    /// <returns>The exit code: 0 ok, 2 usage or input error, 3 diverged (NaN, infinite or exploding loss or samples), 1 internal error.</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        using Communicator single = Communicator.Single();
        return Run(args, stdout, stderr, single).Code;
    }

    /// <summary>Runs the command line on this rank of <paramref name="communicator"/>; also says whether the result is one every
    /// rank reaches on its own (a parse error), so that no rank needs to be aborted.</summary>
    internal static (int Code, bool EveryRankAgrees) Run(string[] args, TextWriter stdout, TextWriter stderr, Communicator communicator)
    {
        var root = new RootCommand("torchebm: energy-based models on the GPU (ILGPU kernels; CPU accelerator where there is no GPU). " + ExitCodes.Help);
        root.Subcommands.Add(InfoCommand.Create(communicator));
        root.Subcommands.Add(PtxCommand.Create());
        root.Subcommands.Add(TrainCommand.Create(communicator));
        root.Subcommands.Add(SampleCommand.Create(communicator));

        if (args.Length == 0) args = ["--help"]; // no command: the usage
        ParseResult parsed = root.Parse(args);
        string prefix = parsed.CommandResult.Command is RootCommand ? "torchebm" : $"torchebm {parsed.CommandResult.Command.Name}";
        if (parsed.Errors.Count > 0)
        {
            if (communicator.IsRoot) stderr.WriteLine($"{prefix}: {OneLine(ParseErrors.Describe(parsed))}");
            return (ExitCodes.Usage, true);
        }
        if (communicator.Size > 1) prefix += $" (rank {communicator.Rank} of {communicator.Size})";
        try
        {
            return (parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false }), false);
        }
        catch (Exception e) when (IsUsageError(e))
        {
            stderr.WriteLine($"{prefix}: {OneLine(e.Message)}");
            return (ExitCodes.Usage, false);
        }
        catch (Exception e)
        {
            stderr.WriteLine($"{prefix}: internal error: {e.GetType().Name}: {OneLine(e.Message)}" +
                             (Environment.GetEnvironmentVariable(DebugVariable) == "1" ? "" : $" (set {DebugVariable}=1 for the stack trace)"));
            if (Environment.GetEnvironmentVariable(DebugVariable) == "1") stderr.WriteLine(e);
            return (ExitCodes.Internal, false);
        }
    }

    /// <summary>
    /// Bad input: the command line's own checks, the library's argument checks (made before any kernel launch), an
    /// unreadable or malformed file, a path that cannot be written, a device that is not there, a size that does not fit.
    /// </summary>
    private static bool IsUsageError(Exception e) => e is UsageException or ArgumentException or InvalidDataException
        or IOException or UnauthorizedAccessException or DeviceUnavailableException or OutOfMemoryException or MpiUnavailableException;

    private static string OneLine(string message) => string.Join(" ", message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

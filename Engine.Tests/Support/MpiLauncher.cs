using System.Diagnostics;

namespace TorchEbm.Tests.Support;

/// <summary>
/// Runs the <c>torchebm</c> command line (the TorchEbm.Cli.dll beside the tests) as separate processes: alone, or as the
/// ranks of <c>mpiexec -n R</c> (MPICH's Hydra on loopback), with a time limit after which the whole process tree is
/// killed and the test fails instead of hanging.
/// </summary>
internal static class MpiLauncher
{
    /// <summary>Set to 1 (as .ci/run does) to fail, instead of skip, the multi-rank tests when mpiexec is missing.</summary>
    public const string RequireVariable = "TORCHEBM_REQUIRE_MPI";

    /// <summary>The Debian package that provides mpiexec and libmpich.so.12.</summary>
    public const string Package = "mpich";

    public sealed record Result(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed);

    private static string Cli => Path.Combine(AppContext.BaseDirectory, "TorchEbm.Cli.dll");

    /// <summary>mpiexec's path, or the test is skipped (failed when <see cref="RequireVariable"/> is 1).</summary>
    public static string RequireMpiexec()
    {
        string? found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "mpiexec")).FirstOrDefault(File.Exists);
        if (found is not null) return found;
        string message = $"mpiexec not found: install MPICH (Debian: apt-get install {Package}) to run the multi-rank tests.";
        if (Environment.GetEnvironmentVariable(RequireVariable) == "1") Assert.Fail(message);
        Assert.Ignore(message);
        return null!;
    }

    /// <summary><c>mpiexec -n ranks dotnet TorchEbm.Cli.dll args</c>.</summary>
    public static Result Ranks(int ranks, string[] args, int timeoutSeconds = 120) =>
        Start(RequireMpiexec(), ["-n", ranks.ToString(), "dotnet", Cli, .. args], timeoutSeconds, new Dictionary<string, string>());

    /// <summary>
    /// MPMD: <c>mpiexec -n 1 [-env K V] dotnet cli A : -n 1 ... dotnet cli B</c>, one rank per entry (ranks in that order),
    /// each with its own extra environment variables.
    /// </summary>
    public static Result EachRank((IReadOnlyDictionary<string, string>? Environment, string[] Args)[] ranks, int timeoutSeconds = 120)
    {
        var args = new List<string>();
        foreach ((IReadOnlyDictionary<string, string>? environment, string[] rankArgs) in ranks)
        {
            if (args.Count > 0) args.Add(":");
            args.AddRange(["-n", "1"]);
            foreach ((string key, string value) in environment ?? new Dictionary<string, string>()) args.AddRange(["-env", key, value]);
            args.AddRange(["dotnet", Cli, .. rankArgs]);
        }
        return Start(RequireMpiexec(), [.. args], timeoutSeconds, new Dictionary<string, string>());
    }

    /// <summary><c>dotnet TorchEbm.Cli.dll args</c> in one process, with extra environment variables.</summary>
    public static Result Alone(string[] args, IReadOnlyDictionary<string, string>? environment = null, int timeoutSeconds = 120) =>
        Start("dotnet", [Cli, .. args], timeoutSeconds, environment ?? new Dictionary<string, string>());

    private static Result Start(string file, string[] args, int timeoutSeconds, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) info.ArgumentList.Add(a);
        // The test host may itself run under an MPI launcher's variables: the child decides from its own.
        foreach (string v in new[] { "PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE" }) info.Environment.Remove(v);
        info.Environment["TORCHEBM_DEVICE"] = "cpu";
        foreach ((string key, string value) in environment) info.Environment[key] = value;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"{file} {string.Join(" ", args)} did not finish within {timeoutSeconds} s (a hang).\nstdout:\n{stdout.Result}\nstderr:\n{stderr.Result}");
        }
        process.WaitForExit(); // drains the redirected streams
        return new Result(process.ExitCode, stdout.Result, stderr.Result, clock.Elapsed);
    }
}

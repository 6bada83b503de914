using TorchEbm.Cli;

namespace TorchEbm.Tests.Cli;

/// <summary>One in-process run of the <c>torchebm</c> command line: exit code and what it wrote.</summary>
internal sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public static CliRun Of(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = TorchEbmCli.Run(args, stdout, stderr);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Exit code 2 and exactly one stderr line "torchebm COMMAND: ...", with no stack trace.</summary>
    public void AssertUsageError(string command, string? mentions = null) => AssertOneLine(2, command, mentions);

    /// <summary>Exit code <paramref name="code"/> and exactly one stderr line "torchebm COMMAND: ...", with no stack trace.</summary>
    public void AssertOneLine(int code, string command, string? mentions = null)
    {
        Assert.Multiple(() =>
        {
            Assert.That(ExitCode, Is.EqualTo(code), $"exit code; stderr:\n{Stderr}");
            Assert.That(StderrLines, Has.Length.EqualTo(1), $"stderr lines:\n{Stderr}");
            Assert.That(Stderr, Does.StartWith($"torchebm {command}: "));
            Assert.That(Stderr + Stdout, Does.Not.Contain("   at "), "a stack trace");
            if (mentions is not null) Assert.That(Stderr, Does.Contain(mentions));
        });
    }
}

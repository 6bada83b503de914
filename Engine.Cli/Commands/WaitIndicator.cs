using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace TorchEbm.Cli.Commands;

/// <summary>
/// A status line for one long call that reports no progress of its own (sampling runs all its steps in one fused
/// launch): nothing for the first <see cref="Delay"/>, then Spectre's spinner with the elapsed seconds on the terminal's
/// stderr until the call returns, cleared then. Never on redirected or captured output, so what scripts read is unchanged.
/// </summary>
public static class WaitIndicator
{
    /// <summary>Calls shorter than this show nothing.</summary>
    public static readonly TimeSpan Delay = TimeSpan.FromSeconds(2);

    /// <summary>Runs <paramref name="work"/> on this thread (MPI calls stay on the main thread), with the spinner on an interactive stderr.</summary>
    public static T Run<T>(string what, Func<T> work, TextWriter stderr)
    {
        if (!ReferenceEquals(stderr, Console.Error) || Console.IsErrorRedirected) return work();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (!console.Profile.Capabilities.Interactive) return work();
        return Run(work, Delay, done =>
        {
            var clock = Stopwatch.StartNew();
            console.Status().Start(what, context =>
            {
                while (!done.Wait(250))
                    context.Status($"{what}: {(clock.Elapsed + Delay).TotalSeconds.ToString("F0", CultureInfo.InvariantCulture)} s");
            });
        });
    }

    /// <summary>
    /// Runs <paramref name="work"/> here; if it is still running after <paramref name="delay"/>, calls
    /// <paramref name="show"/> on another thread with an event set when the work ends (show must return then), and waits
    /// for show to return before returning, so nothing is drawn after the caller moves on.
    /// </summary>
    public static T Run<T>(Func<T> work, TimeSpan delay, Action<ManualResetEventSlim> show)
    {
        using var done = new ManualResetEventSlim();
        var indicator = new Thread(() =>
        {
            if (!done.Wait(delay)) show(done);
        }) { IsBackground = true, Name = "torchebm wait indicator" };
        indicator.Start();
        try
        {
            return work();
        }
        finally
        {
            done.Set();
            indicator.Join();
        }
    }
}

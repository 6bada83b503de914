using TorchEbm.Cli.Commands;

namespace TorchEbm.Tests.Cli;

/// <summary>
/// <see cref="WaitIndicator"/>'s timing (the spinner itself needs a terminal): a call shorter than the delay shows
/// nothing, a longer one shows the indicator, which is told when the call ends and has returned before Run does.
/// </summary>
public sealed class WaitIndicatorTests
{
    [Test]
    public void QuickWork_ShowsNothing_AndReturnsItsValue()
    {
        int shown = 0;
        int value = WaitIndicator.Run(() => 42, TimeSpan.FromSeconds(5), _ => Interlocked.Increment(ref shown));
        Assert.That(value, Is.EqualTo(42));
        Assert.That(shown, Is.Zero);
    }

    [Test]
    public void SlowWork_ShowsTheIndicator_UntilItEnds()
    {
        bool shown = false, endedBeforeReturn = false;
        string value = WaitIndicator.Run(() =>
        {
            Thread.Sleep(600);
            return "done";
        }, TimeSpan.FromMilliseconds(50), done =>
        {
            shown = true;
            done.Wait();
            Thread.Sleep(100); // still drawing: Run must wait for this
            endedBeforeReturn = true;
        });
        Assert.That(value, Is.EqualTo("done"));
        Assert.That(shown, Is.True);
        Assert.That(endedBeforeReturn, Is.True, "the indicator returned before Run did");
    }

    [Test]
    public void FailingWork_StopsTheIndicator_AndRethrows()
    {
        bool stopped = false;
        Assert.Throws<InvalidOperationException>(() => WaitIndicator.Run<int>(() =>
        {
            Thread.Sleep(300);
            throw new InvalidOperationException("boom");
        }, TimeSpan.FromMilliseconds(20), done =>
        {
            done.Wait();
            stopped = true;
        }));
        Assert.That(stopped, Is.True);
    }

    /// <summary>Captured output (a test's writer, or any redirected stderr) never gets the indicator: the work just runs.</summary>
    [Test]
    public void CapturedStderr_RunsTheWorkWithoutIndicator()
    {
        var stderr = new StringWriter();
        Assert.That(WaitIndicator.Run("sampling", () => 7, stderr), Is.EqualTo(7));
        Assert.That(stderr.ToString(), Is.Empty);
    }
}

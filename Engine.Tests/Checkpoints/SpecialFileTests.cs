using System.Diagnostics;
using TorchEbm.Checkpoints;
using TorchEbm.Tests.Cli;

namespace TorchEbm.Tests.Checkpoints;

/// <summary>
/// Paths that name something other than a regular file (a named pipe, a character device) are rejected before a byte
/// is read: a pipe would block the reader forever, /dev/zero would grow memory until it ran out.
/// </summary>
[TestFixture]
public sealed class SpecialFileTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("torchebm-special-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void Load_NamedPipe_ThrowsInvalidDataExceptionWithoutBlocking()
    {
        string fifo = MakeFifo();
        var e = CompletesWithin(fifo, () => SafeTensorsFile.Load(fifo));
        Assert.That(e, Is.TypeOf<InvalidDataException>());
        Assert.That(e!.Message, Does.Contain("model.fifo").And.Contain("not a regular file"));
    }

    [Test]
    public void ReadModelCard_NamedPipe_ThrowsInvalidDataExceptionWithoutBlocking()
    {
        string fifo = MakeFifo();
        Assert.That(CompletesWithin(fifo, () => Checkpoint.ReadModelCard(fifo)), Is.TypeOf<InvalidDataException>());
    }

    [Test]
    public void SampleCommand_NamedPipeCheckpoint_IsOneLineError()
    {
        string fifo = MakeFifo();
        CliRun? run = null;
        CompletesWithin(fifo, () => run = CliRun.Of("sample", "--checkpoint", fifo, "--n", "4", "--device", "cpu", "--out", Path.Combine(_directory, "s.csv")));
        run!.AssertOneLine(2, "sample", "not a regular file");
    }

    [Test]
    public void Load_DevZero_ThrowsInvalidDataExceptionNamingIt()
    {
        if (!File.Exists("/dev/zero")) Assert.Ignore("no /dev/zero on this system");
        long before = GC.GetTotalMemory(forceFullCollection: false);
        var e = CompletesWithin(null, () => SafeTensorsFile.Load("/dev/zero"));
        Assert.That(e, Is.TypeOf<InvalidDataException>());
        Assert.That(e!.Message, Does.Contain("zero").And.Contain("not a regular file"));
        Assert.That(GC.GetTotalMemory(forceFullCollection: false) - before, Is.LessThan(64L << 20), "nothing was read into memory");
    }

    /// <summary>Runs <paramref name="action"/> and returns what it threw; if it blocks, opens the pipe for writing to free it and fails.</summary>
    private static Exception? CompletesWithin(string? fifo, Action action)
    {
        Exception? thrown = null;
        var worker = new Thread(() =>
        {
            try { action(); }
            catch (Exception e) { thrown = e; }
        }) { IsBackground = true };
        worker.Start();
        if (!worker.Join(Patience))
        {
            if (fifo is not null) using (new FileStream(fifo, FileMode.Open, FileAccess.Write)) { } // releases a reader blocked in open()
            worker.Join(Patience);
            Assert.Fail($"the call was still blocked after {Patience.TotalSeconds} s");
        }
        return thrown;
    }

    private string MakeFifo()
    {
        if (OperatingSystem.IsWindows()) Assert.Ignore("named pipes in the file system are a Unix feature");
        string path = Path.Combine(_directory, "model.fifo");
        using Process? mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false });
        if (mkfifo is null) Assert.Ignore("mkfifo could not be started");
        mkfifo!.WaitForExit();
        if (mkfifo.ExitCode != 0) Assert.Ignore($"mkfifo exited with {mkfifo.ExitCode}");
        return path;
    }
}

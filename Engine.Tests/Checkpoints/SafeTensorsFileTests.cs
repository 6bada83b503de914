using System.Text;
using TorchEbm.Checkpoints;

namespace TorchEbm.Tests.Checkpoints;

/// <summary>Safetensors headers that are malformed in any way are rejected with <see cref="InvalidDataException"/>; bad saves with <see cref="ArgumentException"/>.</summary>
[TestFixture]
public sealed class SafeTensorsFileTests
{
    private const string Entry = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("torchebm-safetensors-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    [Test]
    public void Load_DuplicateTensorKey_ThrowsInvalidDataException() =>
        ExpectInvalid($"{{\"w\":{Entry},\"w\":{Entry}}}", data: 4, "the header has the key 'w' twice");

    [Test]
    public void Load_DuplicateMetadataKey_ThrowsInvalidDataException() =>
        ExpectInvalid($"{{\"__metadata__\":{{\"a\":\"1\",\"a\":\"2\"}},\"w\":{Entry}}}", data: 4, "__metadata__ has the key 'a' twice");

    [Test]
    public void Load_DuplicateFieldInEntry_ThrowsInvalidDataException() =>
        ExpectInvalid("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,4]}}", data: 4, "entry 'w' has the key 'dtype' twice");

    [Test]
    public void Load_NumericDtype_ThrowsInvalidDataException() =>
        ExpectInvalid("{\"w\":{\"dtype\":5,\"shape\":[1],\"data_offsets\":[0,4]}}", data: 4, "tensor 'w' has dtype 5");

    [Test]
    public void Load_InvalidUtf8InHeader_ThrowsInvalidDataException()
    {
        byte[] header = [.. Encoding.UTF8.GetBytes("{\"w"), 0xFF, 0xFE, .. Encoding.UTF8.GetBytes($"\":{Entry}}}")];
        ExpectInvalid(header, data: 4, "not valid UTF-8 (at byte 11 ");
    }

    [Test]
    public void Load_LoneSurrogateEscapeInHeader_ThrowsInvalidDataException() =>
        ExpectInvalid($"{{\"w\\ud800\":{Entry}}}", data: 4, "not valid text");

    [TestCase("[5, 5581, 8681, 49477, 384773]", 4)] // product 2^62 + 1: times 4 wraps to 4 bytes
    [TestCase("[65536, 65536, 65536, 65536]", 0)] // product 2^64 wraps to 0 elements
    [TestCase("[2147483647, 2147483647, 2147483647]", 4)]
    public void Load_OverflowingShapeProduct_ThrowsInvalidDataException(string shape, int data) =>
        ExpectInvalid($"{{\"w\":{{\"dtype\":\"F32\",\"shape\":{shape},\"data_offsets\":[0,{data}]}}}}", data, "does not fit its offsets");

    [Test]
    public void Load_DimensionBeyondInt32_ThrowsInvalidDataException() =>
        ExpectInvalid("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967297],\"data_offsets\":[0,4]}}", data: 4, "dimensions must be integers");

    [Test]
    public void Load_Directory_SaysItIsADirectory()
    {
        var e = Assert.Throws<ArgumentException>(() => SafeTensorsFile.Load(_directory))!;
        Assert.That(e.ParamName, Is.EqualTo("path"));
        Assert.That(e.Message, Does.Contain($"{_directory} is a directory"));
    }

    [Test]
    public void Save_ToDirectory_SaysItIsADirectory()
    {
        var e = Assert.Throws<ArgumentException>(() => SafeTensorsFile.Save(_directory, [new SafeTensor("w", [1], [1f])]))!;
        Assert.That(e.Message, Does.Contain("is a directory"));
        Assert.That(Directory.GetFiles(_directory), Is.Empty);
    }

    [Test]
    public void Save_NullMetadataValue_ThrowsArgumentExceptionAndWritesNothing()
    {
        var metadata = new Dictionary<string, string> { ["ok"] = "1", ["bad"] = null! };
        var e = Assert.Throws<ArgumentException>(() => SafeTensorsFile.Save(PathOf("m.safetensors"), [new SafeTensor("w", [1], [1f])], metadata))!;
        Assert.That(e.ParamName, Is.EqualTo("metadata"));
        Assert.That(e.Message, Does.Contain("'bad'"));
        Assert.That(Directory.GetFiles(_directory), Is.Empty);
    }

    /// <summary>A temporary of the same target whose writer is still running (here: this process) is left alone.</summary>
    [Test]
    public void Save_LeavesTheTemporaryOfARunningWriterAlone()
    {
        string inFlight = PathOf($".m.safetensors.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(inFlight, [1, 2, 3]);
        SafeTensorsFile.Save(PathOf("m.safetensors"), [new SafeTensor("w", [1], [1f])]);
        Assert.That(File.Exists(inFlight), "another writer's file in flight");
    }

    /// <summary>The temporary of another running process (two processes saving to one --out) is left alone too.</summary>
    [Test]
    public void Save_LeavesTheTemporaryOfAnotherRunningProcessAlone()
    {
        if (OperatingSystem.IsWindows()) Assert.Ignore("uses the Unix sleep command as the other process");
        using var other = System.Diagnostics.Process.Start("sleep", "60");
        try
        {
            string inFlight = PathOf($".m.safetensors.{other.Id}.{Guid.NewGuid():N}.tmp");
            File.WriteAllBytes(inFlight, [1, 2, 3]);
            SafeTensorsFile.Save(PathOf("m.safetensors"), [new SafeTensor("w", [1], [1f])]);
            Assert.That(File.Exists(inFlight), "the other process's file in flight");
            other.Kill();
            other.WaitForExit();
            SafeTensorsFile.Save(PathOf("m.safetensors"), [new SafeTensor("w", [1], [2f])]);
            Assert.That(File.Exists(inFlight), Is.False, "once that process has ended its temporary is stale");
        }
        finally
        {
            if (!other.HasExited) other.Kill();
        }
    }

    /// <summary>
    /// Threads saving one path at once all succeed (none deletes another's temporary file) and the file is one of the
    /// writes, whole; no temporary is left.
    /// </summary>
    [Test]
    public void ConcurrentSaves_OfOnePath_AllSucceed()
    {
        string path = PathOf("m.safetensors");
        const int writers = 4, saves = 20;
        var failures = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        Parallel.For(0, writers, new ParallelOptions { MaxDegreeOfParallelism = writers }, w =>
        {
            for (int i = 0; i < saves; i++)
            {
                try { SafeTensorsFile.Save(path, [new SafeTensor("w", [256], Enumerable.Repeat((float)w, 256).ToArray())]); }
                catch (Exception e) { failures.Add(e); }
            }
        });
        Assert.That(failures.Select(e => e.GetType().Name + ": " + e.Message), Is.Empty);
        float[] data = SafeTensorsFile.Load(path).Tensors.Single().Data;
        Assert.That(data, Has.Length.EqualTo(256));
        Assert.That(data, Is.All.EqualTo(data[0]), "one writer's values, whole");
        Assert.That(Directory.GetFiles(_directory), Is.EqualTo(new[] { path }));
    }

    [TestCase("key")]
    [TestCase("value")]
    public void Save_LoneSurrogateInMetadata_ThrowsArgumentExceptionAndWritesNothing(string where)
    {
        var metadata = where == "value" ? new Dictionary<string, string> { ["note"] = "a\ud800b" } : new Dictionary<string, string> { ["k\udc00"] = "x" };
        var e = Assert.Throws<ArgumentException>(() => SafeTensorsFile.Save(PathOf("m.safetensors"), [new SafeTensor("w", [1], [1f])], metadata))!;
        Assert.That(e.ParamName, Is.EqualTo("metadata"));
        Assert.That(e.Message, Does.Contain("surrogate"));
        Assert.That(Directory.GetFiles(_directory), Is.Empty);
    }

    [Test]
    public void Save_LoneSurrogateInTensorName_ThrowsArgumentException() =>
        Assert.That(Assert.Throws<ArgumentException>(() => SafeTensorsFile.Save(PathOf("m.safetensors"), [new SafeTensor("w\ud800", [1], [1f])]))!.ParamName,
            Is.EqualTo("tensors"));

    [Test]
    public void Save_OverflowingShape_ThrowsArgumentException() =>
        Assert.That(Assert.Throws<ArgumentException>(() =>
            SafeTensorsFile.Save(PathOf("m.safetensors"), [new SafeTensor("w", [65536, 65536, 65536, 65536], [])]))!.ParamName, Is.EqualTo("tensors"));

    [Test]
    public void Save_RemovesStaleTemporaryFilesOfTheSameTargetOnly()
    {
        string stale = PathOf($".m.safetensors.{int.MaxValue}.{Guid.NewGuid():N}.tmp"); // written by a process that is gone
        string otherTarget = PathOf($".n.safetensors.{int.MaxValue}.{Guid.NewGuid():N}.tmp");
        string notOurs = PathOf(".m.safetensors.notes.tmp");
        foreach (string file in new[] { stale, otherTarget, notOurs }) File.WriteAllBytes(file, [1, 2, 3]);

        SafeTensorsFile.Save(PathOf("m.safetensors"), [new SafeTensor("w", [2], [1f, 2f])]);

        Assert.That(Directory.GetFiles(_directory).Order(), Is.EqualTo(new[] { PathOf("m.safetensors"), notOurs, otherTarget }.Order()));
        Assert.That(SafeTensorsFile.Load(PathOf("m.safetensors")).Tensors.Single().Data, Is.EqualTo(new[] { 1f, 2f }));
    }

    private void ExpectInvalid(string header, int data, string fragment) => ExpectInvalid(Encoding.UTF8.GetBytes(header), data, fragment);

    /// <summary>Writes a file with this header and <paramref name="data"/> zero bytes; loading it must throw InvalidDataException containing <paramref name="fragment"/>.</summary>
    private void ExpectInvalid(byte[] header, int data, string fragment)
    {
        string path = PathOf("bad.safetensors");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((long)header.Length), .. header, .. new byte[data]]);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Load(path))!;
        Assert.That(e.Message, Does.Contain(fragment).And.Contain("bad.safetensors"));
    }
}

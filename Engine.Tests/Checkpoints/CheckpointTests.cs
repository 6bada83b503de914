using System.Text.Json;
using TorchEbm.Autodiff;
using TorchEbm.Checkpoints;
using TorchEbm.Optim;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Checkpoints;

/// <summary>Safetensors checkpoints: exact round trips, PyTorch's weights, rejection of bad files, atomic writes.</summary>
public sealed class CheckpointTests(DeviceKind kind) : DeviceTest(kind)
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("torchebm-checkpoint-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => System.IO.Path.Combine(_directory, name);

    [Test]
    public void RoundTrip_IsExact_WithMetadata()
    {
        using var saved = new MLP(Device, 2, [16, 5], 1, seed: 1);
        using var loaded = new MLP(Device, 2, [16, 5], 1, seed: 2);
        Checkpoint.Save(PathOf("m.safetensors"), saved, new Dictionary<string, string> { ["dataset"] = "two-moons" });
        IReadOnlyDictionary<string, string> metadata = Checkpoint.Load(PathOf("m.safetensors"), loaded);
        Assert.That(metadata["dataset"], Is.EqualTo("two-moons"));
        foreach (((string name, Var a), (_, Var b)) in saved.NamedParameters().Zip(loaded.NamedParameters()))
            Assert.That(b.Value.ToArray(), Is.EqualTo(a.Value.ToArray()), name);
    }

    [Test]
    public void PyTorchWeights_Load_AndGiveTorchsEnergies()
    {
        // Made by Fixtures/make_torch_mlp_fixture.py: torch.nn.Sequential(Linear(2,16), SiLU, Linear(16,16), SiLU, Linear(16,1)).
        string fixtures = System.IO.Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures");
        using var mlp = new MLP(Device, 2, [16, 16], 1, Activation.SiLU);
        Checkpoint.Load(System.IO.Path.Combine(fixtures, "torch_mlp.safetensors"), mlp);
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(fixtures, "torch_mlp_energies.json")));
        float[] points = expected.RootElement.GetProperty("points").EnumerateArray().SelectMany(p => p.EnumerateArray()).Select(v => v.GetSingle()).ToArray();
        double[] energies = expected.RootElement.GetProperty("energies").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        using var x = new Var(Device.FromArray(points, energies.Length, 2));
        using Var output = mlp.Forward(x);
        float[] actual = output.Value.ToArray();
        for (int i = 0; i < energies.Length; i++) Assert.That(actual[i], Is.EqualTo(energies[i]).Within(1e-5), $"point {i}");
    }

    [Test]
    public void TruncatedOrCorruptedFiles_AreRejected()
    {
        using var mlp = new MLP(Device, 2, [8], 1);
        string good = PathOf("good.safetensors");
        Checkpoint.Save(good, mlp);
        byte[] bytes = File.ReadAllBytes(good);

        void Expect(string name, byte[] content, string fragment)
        {
            File.WriteAllBytes(PathOf(name), content);
            var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(PathOf(name), mlp), name)!;
            Assert.That(e.Message, Does.Contain(fragment), name);
        }

        Expect("short.safetensors", bytes[..5], "fewer than the 8-byte");
        Expect("truncated.safetensors", bytes[..^4], "truncated?");
        Expect("trailing.safetensors", [.. bytes, 1, 2, 3, 4], "cover");
        byte[] garbled = (byte[])bytes.Clone();
        garbled[8] = (byte)'#'; // the header's opening brace
        Expect("garbled.safetensors", garbled, "not valid JSON");
        byte[] huge = (byte[])bytes.Clone();
        BitConverter.GetBytes(long.MaxValue).CopyTo(huge, 0);
        Expect("huge.safetensors", huge, "header claims");
        string header = System.Text.Encoding.UTF8.GetString(bytes, 8, (int)BitConverter.ToInt64(bytes, 0));
        Expect("f16.safetensors", [.. bytes[..8], .. System.Text.Encoding.UTF8.GetBytes(header.Replace("\"F32\"", "\"F16\"")), .. bytes[(8 + header.Length)..]], "only F32");
        Assert.That(mlp.Parameters().All(p => !p.IsDisposed));
    }

    [Test]
    public void ShapeOrNameMismatch_IsRejected_AndLeavesTheModuleUnchanged()
    {
        using var saved = new MLP(Device, 2, [8], 1, seed: 1);
        using var wider = new MLP(Device, 2, [9], 1, seed: 2);
        using var deeper = new MLP(Device, 2, [8, 8], 1, seed: 3);
        Checkpoint.Save(PathOf("m.safetensors"), saved);
        float[] before = wider.Parameters().First().Value.ToArray();
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(PathOf("m.safetensors"), wider))!;
        Assert.That(e.Message, Does.Contain("(8, 2)").And.Contain("(9, 2)"));
        Assert.That(wider.Parameters().First().Value.ToArray(), Is.EqualTo(before));
        Assert.That(Assert.Throws<InvalidDataException>(() => Checkpoint.Load(PathOf("m.safetensors"), deeper))!.Message,
            Does.Contain("missing [4.weight, 4.bias]"));
    }

    [TestCase(float.NaN, "NaN")]
    [TestCase(float.NegativeInfinity, "-Infinity")]
    public void Load_NonFiniteWeight_ThrowsNamingTheTensorAndLeavesTheModuleUnchanged(float bad, string shown)
    {
        using var saved = new MLP(Device, 2, [8], 1, seed: 1);
        using var target = new MLP(Device, 2, [8], 1, seed: 2);
        SafeTensor[] tensors = saved.NamedParameters().Select(p => new SafeTensor(p.Name, p.Parameter.Shape, p.Parameter.Value.ToArray())).ToArray();
        tensors[^1].Data[0] = bad; // 2.bias, the last parameter: every other one would be copied first by a careless loader
        SafeTensorsFile.Save(PathOf("m.safetensors"), tensors);
        float[][] before = [.. target.Parameters().Select(p => p.Value.ToArray())];

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(PathOf("m.safetensors"), target))!;
        Assert.That(e.Message, Does.Contain($"'2.bias' holds {shown} at element 0"));
        Assert.That(target.Parameters().Select(p => p.Value.ToArray()), Is.EqualTo(before));
    }

    [Test]
    public void Load_NonFiniteWeight_WithAllowNonFinite_Loads()
    {
        using var saved = new MLP(Device, 2, [8], 1, seed: 1);
        using var target = new MLP(Device, 2, [8], 1, seed: 2);
        SafeTensor[] tensors = saved.NamedParameters().Select(p => new SafeTensor(p.Name, p.Parameter.Shape, p.Parameter.Value.ToArray())).ToArray();
        tensors[0].Data[3] = float.PositiveInfinity;
        SafeTensorsFile.Save(PathOf("m.safetensors"), tensors);
        Checkpoint.Load(PathOf("m.safetensors"), target, allowNonFinite: true);
        foreach ((SafeTensor t, Var p) in tensors.Zip(target.Parameters()))
            Assert.That(p.Value.ToArray(), Is.EqualTo(t.Data), t.Name);
    }

    [Test]
    public void CrashDuringSave_LeavesThePreviousCheckpointIntact()
    {
        using var first = new MLP(Device, 2, [8], 1, seed: 1);
        using var second = new MLP(Device, 2, [8], 1, seed: 2);
        string path = PathOf("m.safetensors");
        Checkpoint.Save(path, first);
        byte[] before = File.ReadAllBytes(path);
        SafeTensor[] tensors = second.NamedParameters().Select(p => new SafeTensor(p.Name, p.Parameter.Shape, p.Parameter.Value.ToArray())).ToArray();
        Assert.Throws<IOException>(() => SafeTensorsFile.Save(path, tensors, null, written => { if (written > 100) throw new IOException("disk full"); }));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(before));
        Assert.That(Directory.GetFiles(_directory), Is.EqualTo(new[] { path }), "no temporary file is left behind");
    }

    [Test]
    public void AdamState_RoundTrips_SoTrainingResumesIdentically()
    {
        using var a = new MLP(Device, 2, [4], 1, seed: 1);
        using var b = new MLP(Device, 2, [4], 1, seed: 1);
        using var x = new Var(Device.Randn(8, 2, seed: 3));
        using var adamA = new Adam(a.Parameters(), lr: 0.01f);
        void Step(MLP m, Adam adam)
        {
            adam.ZeroGrad();
            using Var loss = m.Forward(x).Square().Mean();
            loss.Backward();
            adam.Step();
        }
        for (int i = 0; i < 3; i++) Step(a, adamA);
        Checkpoint.Save(PathOf("m.safetensors"), a);
        Checkpoint.SaveOptimizer(PathOf("o.safetensors"), adamA);

        Checkpoint.Load(PathOf("m.safetensors"), b);
        using var adamB = new Adam(b.Parameters(), lr: 0.01f);
        Checkpoint.LoadOptimizer(PathOf("o.safetensors"), adamB);
        Step(a, adamA);
        Step(b, adamB);
        foreach (((string name, Var pa), (_, Var pb)) in a.NamedParameters().Zip(b.NamedParameters()))
            Assert.That(pb.Value.ToArray(), Is.EqualTo(pa.Value.ToArray()), name);

        using var sgd = new Sgd(b.Parameters(), 0.1f);
        Assert.That(Assert.Throws<InvalidDataException>(() => Checkpoint.LoadOptimizer(PathOf("o.safetensors"), sgd))!.Message, Does.Contain("Adam"));
    }
}

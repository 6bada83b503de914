using TorchEbm.Autodiff;
using TorchEbm.Checkpoints;
using TorchEbm.Optim;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Checkpoints;

/// <summary>
/// Optimizer checkpoints that are corrupted or do not fit are rejected as a whole: the optimizer keeps its state and
/// its next step equals that of a twin that never saw the bad file.
/// </summary>
public sealed class OptimizerCheckpointTests(DeviceKind kind) : DeviceTest(kind)
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("torchebm-optimizer-checkpoint-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => System.IO.Path.Combine(_directory, name);

    [Test]
    public void LoadOptimizer_NonIntegerStep_ThrowsAndLeavesStateUnchanged() =>
        AssertAdamLoadFails((_, metadata) => metadata["2.step"] = "abc", "'2.step' is \"abc\"");

    [Test]
    public void LoadOptimizer_NegativeStep_ThrowsAndLeavesStateUnchanged() =>
        AssertAdamLoadFails((_, metadata) => metadata["2.step"] = "-5", "'2.step' is \"-5\"");

    [Test]
    public void LoadOptimizer_ZeroStep_ThrowsAndLeavesStateUnchanged() =>
        AssertAdamLoadFails((_, metadata) => metadata["1.step"] = "0", "at least 1");

    [Test]
    public void LoadOptimizer_UnknownTensorName_ThrowsAndLeavesStateUnchanged() =>
        AssertAdamLoadFails((tensors, _) => tensors["0.exp_avg_cube"] = tensors["0.exp_avg"] with { Name = "0.exp_avg_cube" }, "'0.exp_avg_cube'");

    [Test]
    public void LoadOptimizer_UnknownMetadataEntry_ThrowsAndLeavesStateUnchanged() =>
        AssertAdamLoadFails((_, metadata) => metadata["0.lr"] = "0.5", "'0.lr'");

    [Test]
    public void LoadOptimizer_StateOfParameterOutOfRange_ThrowsAndLeavesStateUnchanged() =>
        AssertAdamLoadFails((tensors, _) => tensors["9.exp_avg"] = tensors["0.exp_avg"] with { Name = "9.exp_avg" }, "names no parameter");

    [Test]
    public void LoadOptimizer_MissingTensor_ThrowsAndLeavesStateUnchanged() =>
        AssertAdamLoadFails((tensors, _) => tensors.Remove("3.exp_avg_sq"), "missing [3.exp_avg_sq]");

    [Test]
    public void LoadOptimizer_MissingStep_ThrowsAndLeavesStateUnchanged() =>
        AssertAdamLoadFails((_, metadata) => metadata.Remove("3.step"), "missing [3.step]");

    [Test]
    public void LoadOptimizer_WrongShape_ThrowsAndLeavesStateUnchanged() =>
        AssertAdamLoadFails((tensors, _) => tensors["3.exp_avg"] = new SafeTensor("3.exp_avg", [2], [0f, 0f]), "'3.exp_avg' has shape (2)");

    [Test]
    public void LoadOptimizer_NegativeSecondMoment_ThrowsAndLeavesStateUnchanged() =>
        AssertAdamLoadFails((tensors, _) => tensors["2.exp_avg_sq"].Data[0] = -1f, "'2.exp_avg_sq' holds negative values");

    [Test]
    public void LoadOptimizer_NaNMoment_ThrowsNamingTheTensorAndLeavesStateUnchanged() =>
        AssertAdamLoadFails((tensors, _) => tensors["1.exp_avg"].Data[2] = float.NaN, "'1.exp_avg' holds NaN at element 2");

    [Test]
    public void LoadOptimizer_InfiniteMoment_WithAllowNonFinite_Loads()
    {
        using var mlp = new MLP(Device, 2, [4], 1, seed: 1);
        using var adam = new Adam(mlp.Parameters(), lr: 0.01f);
        Train(mlp, adam, 1);
        string path = Corrupt(adam, (tensors, _) => tensors["0.exp_avg"].Data[0] = float.PositiveInfinity);
        Assert.That(Assert.Throws<InvalidDataException>(() => Checkpoint.LoadOptimizer(path, adam))!.Message, Does.Contain("+Infinity"));
        Checkpoint.LoadOptimizer(path, adam, allowNonFinite: true);
        Assert.That(adam.ExportState().Tensors.Single(t => t.Name == "0.exp_avg").Tensor.ToArray()[0], Is.EqualTo(float.PositiveInfinity));
    }

    [Test]
    public void LoadOptimizer_MomentumBufferIntoPlainSgd_ThrowsAndLeavesStateUnchanged()
    {
        using var parameter = new Var(Device.FromArray([1f, -2f, 3f], 3), requiresGrad: true);
        using var withMomentum = new Sgd([parameter], 0.1f, momentum: 0.9f);
        using var plain = new Sgd([parameter], 0.1f);
        parameter.ZeroGrad();
        using (Var loss = parameter.Square().Sum()) loss.Backward();
        withMomentum.Step();
        Checkpoint.SaveOptimizer(PathOf("sgd.safetensors"), withMomentum);
        Assert.That(Assert.Throws<InvalidDataException>(() => Checkpoint.LoadOptimizer(PathOf("sgd.safetensors"), plain))!.Message,
            Does.Contain("'0.momentum_buffer'"));
        Assert.That(plain.ExportState().Tensors, Is.Empty);
    }

    /// <summary>
    /// Trains two identical MLPs with Adam for three steps, saves the state, trains two more, corrupts the saved file
    /// and loads it into the first: the load must throw, and the next step must match the untouched twin exactly.
    /// </summary>
    private void AssertAdamLoadFails(Action<Dictionary<string, SafeTensor>, Dictionary<string, string>> corrupt, string fragment)
    {
        using var a = new MLP(Device, 2, [4], 1, seed: 1);
        using var b = new MLP(Device, 2, [4], 1, seed: 1);
        using var adamA = new Adam(a.Parameters(), lr: 0.01f);
        using var adamB = new Adam(b.Parameters(), lr: 0.01f);
        Train(a, adamA, 3);
        Train(b, adamB, 3);
        string path = Corrupt(adamA, corrupt);
        Train(a, adamA, 2);
        Train(b, adamB, 2);

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadOptimizer(path, adamA))!;
        Assert.That(e.Message, Does.Contain(fragment));

        Train(a, adamA, 1);
        Train(b, adamB, 1);
        foreach (((string name, Var pa), (_, Var pb)) in a.NamedParameters().Zip(b.NamedParameters()))
        {
            Assert.That(pa.Value.ToArray(), Is.EqualTo(pb.Value.ToArray()), name);
            Assert.That(pa.Value.ToArray().All(float.IsFinite), name);
        }
        OptimizerState stateA = adamA.ExportState(), stateB = adamB.ExportState();
        Assert.That(stateA.Metadata, Is.EquivalentTo(stateB.Metadata));
        foreach (((string name, Tensor ta), (_, Tensor tb)) in stateA.Tensors.Zip(stateB.Tensors))
            Assert.That(ta.ToArray(), Is.EqualTo(tb.ToArray()), name);
    }

    /// <summary>Saves <paramref name="optimizer"/>'s state, lets <paramref name="corrupt"/> change it, and writes the result.</summary>
    private string Corrupt(Optimizer optimizer, Action<Dictionary<string, SafeTensor>, Dictionary<string, string>> corrupt)
    {
        string path = PathOf("state.safetensors");
        Checkpoint.SaveOptimizer(path, optimizer);
        (IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string> metadata) = SafeTensorsFile.Load(path);
        var byName = tensors.ToDictionary(t => t.Name);
        var entries = new Dictionary<string, string>(metadata);
        corrupt(byName, entries);
        SafeTensorsFile.Save(path, byName.Values, entries);
        return path;
    }

    private void Train(MLP mlp, Optimizer optimizer, int steps)
    {
        using var x = new Var(Device.Randn(8, 2, seed: 3));
        for (int i = 0; i < steps; i++)
        {
            optimizer.ZeroGrad();
            using Var loss = mlp.Forward(x).Square().Mean();
            loss.Backward();
            optimizer.Step();
        }
    }
}

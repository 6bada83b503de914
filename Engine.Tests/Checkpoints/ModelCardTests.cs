using TorchEbm.Autodiff;
using TorchEbm.Checkpoints;
using TorchEbm.Models;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Checkpoints;

/// <summary>
/// Checkpoints that carry their model: Save(path, model) writes weights and a model card, LoadModel rebuilds the
/// model from the file alone (bit-identical energies and gradients), ReadModelCard reads the card, and every
/// malformed card is rejected by key with nothing left allocated.
/// </summary>
public sealed class ModelCardTests(DeviceKind kind) : DeviceTest(kind)
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("torchebm-card-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => System.IO.Path.Combine(_directory, name);

    // ---- round trips -------------------------------------------------------------------------------------------

    [Test]
    public void RoundTrip_Mlp_SiLU_TwoHidden_GivesIdenticalEnergiesAndGradients() =>
        AssertRoundTrip(new MLP(Device, 2, [16, 8], 1, Activation.SiLU, seed: 3), dim: 2);

    [Test]
    public void RoundTrip_Mlp_Tanh_OneHidden_ThreeInputs_GivesIdenticalEnergiesAndGradients() =>
        AssertRoundTrip(new MLP(Device, 3, [5], 1, Activation.Tanh, seed: 4), dim: 3);

    [Test]
    public void RoundTrip_Mlp_GELU_ThreeHidden_GivesIdenticalEnergiesAndGradients() =>
        AssertRoundTrip(new MLP(Device, 2, [7, 9, 4], 1, Activation.GELU, seed: 5), dim: 2);

    [Test]
    public void RoundTrip_HandBuiltSequential_ReLU_GivesIdenticalEnergiesAndGradients() =>
        AssertRoundTrip(new Sequential(new Linear(Device, 2, 6, seed: 1), new ActivationLayer(Device, Activation.ReLU), new Linear(Device, 6, 1, seed: 2)), dim: 2);

    [Test]
    public void RoundTrip_SingleLinear_NoHiddenLayers_GivesIdenticalEnergiesAndGradients() =>
        AssertRoundTrip(new MLP(Device, 4, [], 1, seed: 6), dim: 4);

    [Test]
    public void RoundTrip_TwoOutputs_KeepsTheNetworkOutputs()
    {
        string path = PathOf("two.safetensors");
        using var saved = new NeuralNetworkModel(new MLP(Device, 2, [8], 2, Activation.Softplus, seed: 7));
        Checkpoint.Save(path, saved);
        using NeuralNetworkModel loaded = Checkpoint.LoadModel(path, Device);
        using var x = new Var(Device.Randn(10, 2, seed: 8));
        using IDisposable noGrad = Tape.NoGrad();
        using Var a = saved.Network.Forward(x), b = loaded.Network.Forward(x);
        Assert.That(b.Value.ToArray(), Is.EqualTo(a.Value.ToArray()));
    }

    [Test]
    public void RoundTrip_WeightsKeepTheirPyTorchNames()
    {
        string path = PathOf("names.safetensors");
        using (var model = new NeuralNetworkModel(new MLP(Device, 2, [4, 4], 1)))
            Checkpoint.Save(path, model);
        Assert.That(SafeTensorsFile.Load(path).Tensors.Select(t => t.Name),
            Is.EquivalentTo(new[] { "0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias" }));
    }

    [Test]
    public void Save_WritesTheCardKeys()
    {
        string path = PathOf("keys.safetensors");
        using (var model = new NeuralNetworkModel(new MLP(Device, 2, [32, 16], 1, Activation.ELU)))
            Checkpoint.Save(path, model, new SamplerSettings(0.01f, 0.1f, 200));
        Assert.That(SafeTensorsFile.Load(path).Metadata, Is.EquivalentTo(new Dictionary<string, string>
        {
            ["format"] = "torchebm-mlp", ["format_version"] = "1", ["input_dim"] = "2", ["hidden"] = "32,16",
            ["activation"] = "ELU", ["output_dim"] = "1", ["step_size"] = "0.01", ["noise_scale"] = "0.1", ["sample_steps"] = "200",
        }));
    }

    [Test]
    public void LoadModel_NonFiniteWeight_LoadsWithAllowNonFinite()
    {
        string path = WithTensors(tensors => tensors[0].Data[1] = float.NaN);
        using NeuralNetworkModel model = Checkpoint.LoadModel(path, Device, allowNonFinite: true);
        Assert.That(float.IsNaN(model.Network.NamedParameters().First().Parameter.Value.ToArray()[1]), Is.True);
    }

    // ---- ReadModelCard -----------------------------------------------------------------------------------------

    [Test]
    public void ReadModelCard_ReturnsArchitectureSamplerAndExtraMetadata()
    {
        string path = PathOf("card.safetensors");
        using (var model = new NeuralNetworkModel(new MLP(Device, 3, [12, 6], 1, Activation.LeakyReLU)))
            Checkpoint.Save(path, model, new SamplerSettings(0.005f, 0.25f, 150),
                new Dictionary<string, string> { ["dataset"] = "two-moons", ["seed"] = "42" });
        int before = Device.LiveTensors;
        ModelCard card = Checkpoint.ReadModelCard(path);
        Assert.That(card.InputDim, Is.EqualTo(3));
        Assert.That(card.HiddenDims, Is.EqualTo(new[] { 12, 6 }));
        Assert.That(card.Activation, Is.EqualTo(Activation.LeakyReLU));
        Assert.That(card.OutputDim, Is.EqualTo(1));
        Assert.That(card.Sampler, Is.EqualTo(new SamplerSettings(0.005f, 0.25f, 150)));
        Assert.That(card.Metadata, Is.EquivalentTo(new Dictionary<string, string> { ["dataset"] = "two-moons", ["seed"] = "42" }));
        Assert.That(Device.LiveTensors, Is.EqualTo(before), "reading the card allocates nothing on the device");
    }

    [Test]
    public void ReadModelCard_WithoutSamplerSettings_HasNullSampler()
    {
        string path = PathOf("plain.safetensors");
        using (var model = new NeuralNetworkModel(new MLP(Device, 2, [4], 1)))
            Checkpoint.Save(path, model);
        ModelCard card = Checkpoint.ReadModelCard(path);
        Assert.That(card.Sampler, Is.Null);
        Assert.That(card.Metadata, Is.Empty);
    }

    [Test]
    public void ReadModelCard_MalformedCard_IsRejectedByKey()
    {
        string path = WithMetadata(m => m["hidden"] = "16,x");
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.ReadModelCard(path));
        Assert.That(e!.Message, Does.Contain("'hidden'"));
    }

    // ---- malformed cards: InvalidDataException naming the key, nothing left allocated -------------------------

    [Test]
    public void LoadModel_WeightsOnlyFile_IsRejectedForMissingFormat()
    {
        string path = PathOf("weights.safetensors");
        using (var mlp = new MLP(Device, 2, [4], 1))
            Checkpoint.Save(path, mlp);
        AssertRejected(path, "'format'");
    }

    [Test]
    public void LoadModel_MissingFormatVersion_IsRejected() => AssertRejected(WithMetadata(m => m.Remove("format_version")), "'format_version'");

    [Test]
    public void LoadModel_OtherFormat_IsRejected() => AssertRejected(WithMetadata(m => m["format"] = "pytorch"), "'format'");

    [Test]
    public void LoadModel_FutureFormatVersion_IsRejected() => AssertRejected(WithMetadata(m => m["format_version"] = "2"), "'format_version'");

    [Test]
    public void LoadModel_MissingInputDim_IsRejected() => AssertRejected(WithMetadata(m => m.Remove("input_dim")), "'input_dim'");

    [Test]
    public void LoadModel_MissingHidden_IsRejected() => AssertRejected(WithMetadata(m => m.Remove("hidden")), "'hidden'");

    [Test]
    public void LoadModel_MissingActivation_IsRejected() => AssertRejected(WithMetadata(m => m.Remove("activation")), "'activation'");

    [Test]
    public void LoadModel_MissingOutputDim_IsRejected() => AssertRejected(WithMetadata(m => m.Remove("output_dim")), "'output_dim'");

    [Test]
    public void LoadModel_NumericActivation_IsRejected() => AssertRejected(WithMetadata(m => m["activation"] = "3"), "'activation' is '3'");

    [Test]
    public void LoadModel_UnknownActivation_IsRejected() => AssertRejected(WithMetadata(m => m["activation"] = "Swish"), "'activation' is 'Swish'");

    [Test]
    public void LoadModel_ActivationInAnotherCase_IsRejected() => AssertRejected(WithMetadata(m => m["activation"] = "silu"), "'activation' is 'silu'");

    [Test]
    public void LoadModel_ZeroInputDim_IsRejected() => AssertRejected(WithMetadata(m => m["input_dim"] = "0"), "'input_dim'");

    [Test]
    public void LoadModel_SignedInputDim_IsRejected() => AssertRejected(WithMetadata(m => m["input_dim"] = "+2"), "'input_dim' is '+2'");

    [Test]
    public void LoadModel_FractionalOutputDim_IsRejected() => AssertRejected(WithMetadata(m => m["output_dim"] = "1.0"), "'output_dim' is '1.0'");

    [Test]
    public void LoadModel_NegativeHiddenWidth_IsRejected() => AssertRejected(WithMetadata(m => m["hidden"] = "16,-4"), "'hidden'");

    [Test]
    public void LoadModel_EmptyHiddenEntry_IsRejected() => AssertRejected(WithMetadata(m => m["hidden"] = "16,,16"), "'hidden'");

    [Test]
    public void LoadModel_AbsurdHiddenWidth_IsRejected() => AssertRejected(WithMetadata(m => m["hidden"] = "2000000000"), "'hidden'");

    [Test]
    public void LoadModel_TooManyParameters_IsRejected() => AssertRejected(WithMetadata(m => m["hidden"] = "1048576,1048576"), "parameters");

    [Test]
    public void LoadModel_HiddenWidthNotMatchingTheWeights_IsRejectedByTensor() =>
        AssertRejected(WithMetadata(m => m["hidden"] = "8"), "'0.weight' has shape (16, 2)");

    [Test]
    public void LoadModel_MoreLayersThanTheWeights_IsRejectedByMissingTensors() =>
        AssertRejected(WithMetadata(m => m["hidden"] = "16,16"), "missing [4.weight, 4.bias]");

    [Test]
    public void LoadModel_ExtraTensor_IsRejected() =>
        AssertRejected(WithTensors(tensors => tensors.Add(new SafeTensor("6.weight", [1, 1], [0f]))), "unexpected [6.weight]");

    [Test]
    public void LoadModel_NonFiniteWeight_IsRejectedByTensor() =>
        AssertRejected(WithTensors(tensors => tensors[0].Data[1] = float.PositiveInfinity), "'0.weight' holds +Infinity");

    [Test]
    public void LoadModel_PartialSamplerSettings_IsRejected() =>
        AssertRejected(WithMetadata(m => m["step_size"] = "0.01"), "'noise_scale'");

    [Test]
    public void LoadModel_NaNStepSize_IsRejected() => AssertRejected(WithMetadata(m => AddSampler(m, stepSize: "NaN")), "'step_size'");

    [Test]
    public void LoadModel_NegativeNoiseScale_IsRejected() => AssertRejected(WithMetadata(m => AddSampler(m, noiseScale: "-1")), "'noise_scale'");

    [Test]
    public void LoadModel_NegativeSampleSteps_IsRejected() => AssertRejected(WithMetadata(m => AddSampler(m, steps: "-5")), "'sample_steps'");

    // ---- bad saves: ArgumentException, nothing written ---------------------------------------------------------

    [Test]
    public void Save_MetadataKeyCollidingWithTheCard_Throws()
    {
        using var model = new NeuralNetworkModel(new MLP(Device, 2, [4], 1));
        var e = Assert.Throws<ArgumentException>(() =>
            Checkpoint.Save(PathOf("c.safetensors"), model, metadata: new Dictionary<string, string> { ["hidden"] = "64,64" }));
        Assert.That(e!.ParamName, Is.EqualTo("metadata"));
        Assert.That(e.Message, Does.Contain("'hidden'"));
        Assert.That(File.Exists(PathOf("c.safetensors")), Is.False);
    }

    [Test]
    public void Save_SamplerKeyInMetadata_ThrowsPointingToSamplerSettings()
    {
        using var model = new NeuralNetworkModel(new MLP(Device, 2, [4], 1));
        var e = Assert.Throws<ArgumentException>(() =>
            Checkpoint.Save(PathOf("s.safetensors"), model, metadata: new Dictionary<string, string> { ["step_size"] = "0.01" }));
        Assert.That(e!.Message, Does.Contain("sampler argument"));
        Assert.That(File.Exists(PathOf("s.safetensors")), Is.False);
    }

    [Test]
    public void Save_NetworkThatIsNotASequential_Throws()
    {
        using var model = new NeuralNetworkModel(new Linear(Device, 2, 1));
        AssertNotDescribable(model, "Linear");
    }

    [Test]
    public void Save_SequentialEndingInAnActivation_Throws()
    {
        using var model = new NeuralNetworkModel(new Sequential(new Linear(Device, 2, 1), new ActivationLayer(Device, Activation.Tanh)));
        AssertNotDescribable(model, "2 layers");
    }

    [Test]
    public void Save_SequentialWithTwoActivations_Throws()
    {
        using var model = new NeuralNetworkModel(new Sequential(new Linear(Device, 2, 4), new ActivationLayer(Device, Activation.ReLU),
            new Linear(Device, 4, 4), new ActivationLayer(Device, Activation.Tanh), new Linear(Device, 4, 1)));
        AssertNotDescribable(model, "layer 3 is Tanh");
    }

    [Test]
    public void Save_SequentialWithAdjacentLinears_Throws()
    {
        using var model = new NeuralNetworkModel(new Sequential(new Linear(Device, 2, 4), new Linear(Device, 4, 4), new Linear(Device, 4, 1)));
        AssertNotDescribable(model, "layer 1 is a Linear");
    }

    [Test]
    public void SamplerSettings_NonPositiveStepSize_Throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new SamplerSettings(0f, 1f, 10));
        Assert.That(e!.ParamName, Is.EqualTo("stepSize"));
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /// <summary>Saves a model of <paramref name="network"/>, loads it back and compares energies and gradients bit for bit.</summary>
    private void AssertRoundTrip(Module network, int dim)
    {
        string path = PathOf("model.safetensors");
        using var saved = new NeuralNetworkModel(network);
        Checkpoint.Save(path, saved);
        using NeuralNetworkModel loaded = Checkpoint.LoadModel(path, Device);
        Assert.That(loaded.Network, Is.InstanceOf<MLP>());
        Assert.That(loaded.IsFused, Is.EqualTo(saved.IsFused));
        foreach (((string name, Var a), (string loadedName, Var b)) in saved.Network.NamedParameters().Zip(loaded.Network.NamedParameters()))
        {
            Assert.That(loadedName, Is.EqualTo(name));
            Assert.That(b.Value.ToArray(), Is.EqualTo(a.Value.ToArray()), name);
        }
        using Tensor x = Device.Randn(33, dim, seed: 11);
        using Tensor e1 = saved.Forward(x), e2 = loaded.Forward(x), g1 = saved.Gradient(x), g2 = loaded.Gradient(x);
        Assert.That(e2.ToArray(), Is.EqualTo(e1.ToArray()), "energies");
        Assert.That(g2.ToArray(), Is.EqualTo(g1.ToArray()), "gradients");
    }

    /// <summary>A valid file (MLP 2 -> [16] -> 1, SiLU) whose metadata was then edited.</summary>
    private string WithMetadata(Action<Dictionary<string, string>> edit) => Rewritten(edit, _ => { });

    /// <summary>A valid file (MLP 2 -> [16] -> 1, SiLU) whose tensors were then edited.</summary>
    private string WithTensors(Action<List<SafeTensor>> edit) => Rewritten(_ => { }, edit);

    private string Rewritten(Action<Dictionary<string, string>> editMetadata, Action<List<SafeTensor>> editTensors)
    {
        string path = PathOf("edited.safetensors");
        using (var model = new NeuralNetworkModel(new MLP(Device, 2, [16], 1, Activation.SiLU, seed: 9)))
            Checkpoint.Save(path, model);
        (IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string> metadata) = SafeTensorsFile.Load(path);
        var editedMetadata = metadata.ToDictionary();
        var editedTensors = tensors.ToList();
        editMetadata(editedMetadata);
        editTensors(editedTensors);
        SafeTensorsFile.Save(path, editedTensors, editedMetadata);
        return path;
    }

    private static void AddSampler(Dictionary<string, string> m, string stepSize = "0.01", string noiseScale = "0.1", string steps = "100")
    {
        m["step_size"] = stepSize;
        m["noise_scale"] = noiseScale;
        m["sample_steps"] = steps;
    }

    /// <summary>LoadModel throws InvalidDataException whose message holds <paramref name="fragment"/>, and frees everything.</summary>
    private void AssertRejected(string path, string fragment)
    {
        int before = Device.LiveTensors;
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadModel(path, Device).Dispose());
        Assert.That(e!.Message, Does.Contain(fragment));
        Assert.That(Device.LiveTensors, Is.EqualTo(before), "no tensor may outlive a failed load");
    }

    private void AssertNotDescribable(NeuralNetworkModel model, string fragment)
    {
        string path = PathOf("n.safetensors");
        var e = Assert.Throws<ArgumentException>(() => Checkpoint.Save(path, model));
        Assert.That(e!.ParamName, Is.EqualTo("model"));
        Assert.That(e.Message, Does.Contain(fragment).And.Contain("Checkpoint.Save(path, module, metadata)"));
        Assert.That(File.Exists(path), Is.False);
    }
}

using System.Text.Json;
using TorchEbm.Autodiff;
using TorchEbm.Checkpoints;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Tests.Autodiff;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Losses;

/// <summary>
/// Equilibrium matching (explicit on a scalar MLP energy, on the dot and l2 energies of a vector field, implicit on the
/// field) and energy matching (flow term alone, and with the contrastive term both counted and floored) against PyTorch
/// autograd (tools/make_matching_fixtures.py, float64 references from float32 weights and inputs): on the fixture's
/// data, noise, times, smoothing noise and negatives, the loss and every parameter gradient match within 1e-4 relative.
/// </summary>
public sealed class MatchingFixtureTests(DeviceKind kind) : DeviceTest(kind)
{
    public static IEnumerable<string> EquilibriumCases() => ["eqm_scalar", "eqm_dot", "eqm_l2", "eqm_implicit"];

    public static IEnumerable<string> EnergyCases() => ["em_flow", "em", "em_clamped"];

    [TestCaseSource(nameof(EquilibriumCases))]
    public void EquilibriumMatching_LossAndParameterGradients_MatchPyTorch(string name)
    {
        using JsonDocument json = Fixture();
        JsonElement root = json.RootElement;
        int n = root.GetProperty("points").GetArrayLength();
        using Tensor points = Matrix(root, "points"), noise = Matrix(root, "noise");
        using Tensor gamma = Device.FromArray(Values(root, "times"), n);
        var loss = new EquilibriumMatching(threshold: 0.8f, multiplier: 4f);
        Module network = name == "eqm_scalar" ? TorchFixtures.Mlp(Device, "matching_torch_energy.safetensors") : Field();
        using BaseModel model = name == "eqm_scalar" ? new NeuralNetworkModel(network) : new FieldEnergyModel(network, name == "eqm_l2" ? FieldEnergy.L2 : FieldEnergy.Dot);
        using Var value = name == "eqm_implicit" ? loss.ComputeImplicit(network, points, noise, gamma) : loss.Compute(model, points, noise, gamma);
        AssertMatches(value, network, root.GetProperty(name));
    }

    [TestCaseSource(nameof(EnergyCases))]
    public void EnergyMatching_LossAndParameterGradients_MatchPyTorch(string name)
    {
        using JsonDocument json = Fixture();
        JsonElement root = json.RootElement, settings = root.GetProperty("settings");
        int n = root.GetProperty("points").GetArrayLength();
        using Tensor points = Matrix(root, "points"), noise = Matrix(root, "noise"), smoothing = Matrix(root, "smoothing"), negatives = Matrix(root, "negatives");
        using Tensor times = Device.FromArray(Values(root, "times"), n);
        float F(string key) => (float)settings.GetProperty(key).GetDouble();
        var loss = new EnergyMatching(sigma: F("sigma"), flowCutoff: F("flow_cutoff"), contrastiveWeight: name == "em_flow" ? 0f : F("contrastive_weight"),
            trimFraction: F("trim_fraction"), clamp: name == "em" ? F("clamp_wide") : F("clamp"));
        MLP network = TorchFixtures.Mlp(Device, "matching_torch_energy.safetensors");
        using var model = new NeuralNetworkModel(network);
        using Var value = loss.Compute(model, points, noise, times, smoothing, negatives);
        AssertMatches(value, network, root.GetProperty(name));
    }

    private static void AssertMatches(Var loss, Module network, JsonElement expected)
    {
        Assert.That(FiniteDifferences.RelativeError(loss.Value.ToArray(), [expected.GetProperty("loss").GetDouble()]), Is.LessThan(1e-4), "loss");
        network.ZeroGrad();
        loss.Backward();
        JsonElement grads = expected.GetProperty("grads");
        double total = Math.Sqrt(network.NamedParameters().Sum(p => TorchFixtures.Flat(grads.GetProperty(p.Name)).Sum(v => v * v)));
        foreach ((string name, Var parameter) in network.NamedParameters())
        {
            double[] reference = TorchFixtures.Flat(grads.GetProperty(name));
            float[] actual = parameter.Grad?.ToArray() ?? new float[reference.Length];
            double norm = Math.Sqrt(reference.Sum(v => v * v));
            if (norm < 1e-9 * total) // PyTorch's gradient is zero up to rounding (a bias the loss does not depend on)
                Assert.That(Math.Sqrt(actual.Sum(v => (double)v * v)), Is.LessThan(1e-5 * total), $"d/d{name} is zero");
            else
                Assert.That(FiniteDifferences.RelativeError(actual, reference), Is.LessThan(1e-4), $"d/d{name}");
        }
    }

    private MLP Field()
    {
        var mlp = new MLP(Device, 2, [16, 16], 2, Activation.SiLU);
        Checkpoint.Load(TorchFixtures.Path("matching_torch_field.safetensors"), mlp);
        return mlp;
    }

    private static JsonDocument Fixture() => JsonDocument.Parse(File.ReadAllText(TorchFixtures.Path("matching_fixture.json")));

    private static float[] Values(JsonElement root, string key) => [.. TorchFixtures.Flat(root.GetProperty(key)).Select(v => (float)v)];

    private Tensor Matrix(JsonElement root, string key) => Device.FromArray(Values(root, key), root.GetProperty(key).GetArrayLength(), 2);
}

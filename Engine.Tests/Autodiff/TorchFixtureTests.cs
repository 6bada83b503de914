using System.Text.Json;
using TorchEbm.Autodiff;
using TorchEbm.Checkpoints;
using TorchEbm.Models;
using TorchEbm.Tests.Models;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Autodiff;

/// <summary>
/// First-order parts of tools/make_tape_fixtures.py's PyTorch references (float64 from float32 weights): energies and
/// dE/dx of a torch 2-16-16-1 SiLU MLP (fused kernels and the tape) and of the banana written in tape ops match within
/// 1e-5 relative (norm-wise). The fixture's Hessian-vector products wait for double backward.
/// </summary>
public sealed class TorchFixtureTests(DeviceKind kind) : DeviceTest(kind)
{
    private static string Fixture(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", name);

    private static double[] Flat(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().SelectMany(Flat).ToArray() : [e.GetDouble()];

    private static (Tensor Points, JsonDocument Json) Load(Device device)
    {
        JsonDocument json = JsonDocument.Parse(File.ReadAllText(Fixture("tape_fixture.json")));
        float[] points = Flat(json.RootElement.GetProperty("points")).Select(v => (float)v).ToArray();
        return (device.FromArray(points, points.Length / 2, 2), json);
    }

    private static void AssertMatches(Tensor actual, JsonElement expected, string what) =>
        Assert.That(FiniteDifferences.RelativeError(actual.ToArray(), Flat(expected)), Is.LessThan(1e-5), what);

    [Test]
    public void TorchMlp_EnergiesAndInputGradients_MatchPyTorch()
    {
        (Tensor points, JsonDocument json) = Load(Device);
        using (points)
        using (json)
        {
            var mlp = new MLP(Device, 2, [16, 16], 1, Activation.SiLU);
            Checkpoint.Load(Fixture("tape_torch_mlp.safetensors"), mlp);
            using var model = new NeuralNetworkModel(mlp);
            JsonElement expected = json.RootElement.GetProperty("mlp");
            using Tensor energies = model.Forward(points), gradient = model.Gradient(points);
            AssertMatches(energies, expected.GetProperty("energies"), "energies (fused)");
            AssertMatches(gradient, expected.GetProperty("dE_dx"), "dE/dx (fused)");

            using var x = new Var(points.Clone(), requiresGrad: true);
            using Var e = model.Energies(x);
            using Var total = e.Sum();
            using Tensor tapeGradient = Tape.Grad(total, x);
            AssertMatches(e.Value, expected.GetProperty("energies"), "energies (tape)");
            AssertMatches(tapeGradient, expected.GetProperty("dE_dx"), "dE/dx (tape)");
        }
    }

    [Test]
    public void BananaInTapeOps_EnergiesAndGradients_MatchPyTorch()
    {
        (Tensor points, JsonDocument json) = Load(Device);
        using (points)
        using (json)
        {
            using var banana = new Banana(Device);
            JsonElement expected = json.RootElement.GetProperty("banana");
            Assert.That(expected.GetProperty("b").GetDouble(), Is.EqualTo(0.1), "the fixture's banana is the README's");
            using Tensor energies = banana.Forward(points), gradient = banana.Gradient(points);
            AssertMatches(energies, expected.GetProperty("energies"), "energies");
            AssertMatches(gradient, expected.GetProperty("dE_dx"), "dE/dx");
        }
    }
}

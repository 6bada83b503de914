using System.Text.Json;
using TorchEbm.Autodiff;
using TorchEbm.Models;
using TorchEbm.Tests.Models;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Autodiff;

/// <summary>
/// First-order parts of tools/make_tape_fixtures.py's PyTorch references (float64 from float32 weights): energies and
/// dE/dx of a torch 2-16-16-1 SiLU MLP (fused kernels and the tape) and of the banana written in tape ops match within
/// 1e-5 relative (norm-wise); so do the per-sample Hessian-vector products H v of both, and the MLP's d/dtheta of
/// sum ||dE/dx||^2, taken through create-graph gradients.
/// </summary>
public sealed class TorchFixtureTests(DeviceKind kind) : DeviceTest(kind)
{
    private static (Tensor Points, JsonDocument Json) Load(Device device)
    {
        JsonDocument json = JsonDocument.Parse(File.ReadAllText(TorchFixtures.Path("tape_fixture.json")));
        float[] points = TorchFixtures.Flat(json.RootElement.GetProperty("points")).Select(v => (float)v).ToArray();
        return (device.FromArray(points, points.Length / 2, 2), json);
    }

    private static void AssertMatches(Tensor actual, JsonElement expected, string what) =>
        Assert.That(FiniteDifferences.RelativeError(actual.ToArray(), TorchFixtures.Flat(expected)), Is.LessThan(1e-5), what);

    [Test]
    public void TorchMlp_EnergiesAndInputGradients_MatchPyTorch()
    {
        (Tensor points, JsonDocument json) = Load(Device);
        using (points)
        using (json)
        {
            MLP mlp = TorchFixtures.Mlp(Device, "tape_torch_mlp.safetensors");
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

    /// <summary>The README's double-backward example, run on the fixture's MLP: H v and d/dtheta sum ||dE/dx||^2.</summary>
    [Test]
    public void TorchMlp_HessianVectorProductAndDerivativeOfSquaredGradient_MatchPyTorch()
    {
        (Tensor loaded, JsonDocument json) = Load(Device);
        using (loaded)
        using (json)
        {
            MLP mlp = TorchFixtures.Mlp(Device, "tape_torch_mlp.safetensors");
            using var model = new NeuralNetworkModel(mlp);
            JsonElement expected = json.RootElement.GetProperty("mlp");
            Tensor points = loaded.Clone();
            Tensor directions = Device.FromArray(TorchFixtures.Flat(json.RootElement.GetProperty("direction")).Select(v => (float)v).ToArray(), loaded.Shape);
            mlp.ZeroGrad();

            // README double backward begins
            using var x = new Var(points, requiresGrad: true);            // points: (n, d) on the model's device
            using var v = new Var(directions);                            // (n, d)
            using Var gradient = model.Gradient(x, createGraph: true);    // dE/dx, on the tape
            using Var directional = (gradient * v).Sum();
            using Tensor hv = Tape.Grad(directional, x);                  // row i: H(x_i) v_i
            using Var squared = (gradient * gradient).Sum();
            squared.Backward();                                           // d/dtheta sum ||dE/dx||^2 into the parameters' Grad
            // README double backward ends

            AssertMatches(hv, expected.GetProperty("hvp"), "H v");
            AssertMatches(squared.Value, expected.GetProperty("sum_sq_grad"), "sum ||dE/dx||^2");
            TorchFixtures.AssertParameterGradients(mlp, expected.GetProperty("dL_dtheta"), 1e-5);
        }
    }

    [Test]
    public void Readme_ShowsTheDoubleBackwardExampleThisTestRuns() =>
        Assert.That(ReadmeCode.Block("### Double backward"),
            Is.EqualTo(ReadmeCode.Marked("Engine.Tests/Autodiff/TorchFixtureTests.cs", "double backward")));

    [Test]
    public void BananaInTapeOps_HessianVectorProduct_MatchesPyTorch()
    {
        (Tensor points, JsonDocument json) = Load(Device);
        using (points)
        using (json)
        {
            using var banana = new Banana(Device);
            AssertHessianVectorProduct(banana, points, json.RootElement, json.RootElement.GetProperty("banana"));
        }
    }

    /// <summary>Per-sample H v = d/dx (v . dE/dx) by double backward against the fixture's.</summary>
    private void AssertHessianVectorProduct(BaseModel model, Tensor points, JsonElement root, JsonElement expected)
    {
        float[] direction = TorchFixtures.Flat(root.GetProperty("direction")).Select(v => (float)v).ToArray();
        using var x = new Var(points.Clone(), requiresGrad: true);
        using var v = new Var(Device.FromArray(direction, points.Shape));
        using Var gradient = model.Gradient(x, createGraph: true);
        using Var directional = (gradient * v).Sum();
        using Tensor hv = Tape.Grad(directional, x);
        AssertMatches(hv, expected.GetProperty("hvp"), "H v");
    }
}

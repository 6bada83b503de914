using System.Text.Json;
using TorchEbm.Autodiff;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Tests.Autodiff;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Losses;

/// <summary>
/// Each score-matching loss against PyTorch autograd (tools/make_tape_fixtures.py, float64 references from float32
/// weights and inputs): on the fixture's 2-16-16-1 SiLU MLP, points, projections and noise, the loss value and every
/// parameter gradient match within 1e-4 relative (norm-wise per parameter).
/// </summary>
public sealed class ScoreMatchingFixtureTests(DeviceKind kind) : DeviceTest(kind)
{
    public static IEnumerable<string> Losses() => ["sm_exact", "sm_hutchinson", "ssm", "ssm_vr", "dsm"];

    [TestCaseSource(nameof(Losses))]
    public void Loss_AndParameterGradients_MatchPyTorch(string name)
    {
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(TorchFixtures.Path("score_matching_fixture.json")));
        JsonElement root = json.RootElement;
        float[] F(string key) => TorchFixtures.Flat(root.GetProperty(key)).Select(v => (float)v).ToArray();
        int n = root.GetProperty("points").GetArrayLength();
        using Tensor points = Device.FromArray(F("points"), n, 2);
        using Tensor projections = Device.FromArray(F("projections"), 2, n, 2);
        using Tensor noise = Device.FromArray(F("noise"), n, 2);
        MLP mlp = TorchFixtures.Mlp(Device, "score_matching_torch_mlp.safetensors");
        using var model = new NeuralNetworkModel(mlp);

        // Hutchinson with the fixture's two Rademacher projections as probes estimates the trace by mean v . H v, which
        // is what the variance-reduced sliced loss computes too: the same reference.
        string reference = name == "sm_hutchinson" ? "ssm_vr" : name;
        using Var loss = name switch
        {
            "sm_exact" => new ScoreMatching().Compute(model, points),
            "sm_hutchinson" => new ScoreMatching(HessianTrace.Hutchinson, nProbes: 2).Compute(model, points, projections),
            "ssm" => new SlicedScoreMatching(nProjections: 2).Compute(model, points, projections),
            "ssm_vr" => new SlicedScoreMatching(nProjections: 2, varianceReduced: true).Compute(model, points, projections),
            _ => new DenoisingScoreMatching((float)root.GetProperty("sigma").GetDouble()).Compute(model, points, noise),
        };
        JsonElement expected = root.GetProperty(reference);
        Assert.That(FiniteDifferences.RelativeError(loss.Value.ToArray(), [expected.GetProperty("loss").GetDouble()]), Is.LessThan(1e-4), "loss");
        mlp.ZeroGrad();
        loss.Backward();
        TorchFixtures.AssertParameterGradients(mlp, expected.GetProperty("grads"), 1e-4);
    }
}

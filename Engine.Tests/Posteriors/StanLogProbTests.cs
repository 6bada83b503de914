using System.Text.Json;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Posteriors;

/// <summary>
/// Every posterior's energy against Stan on identical inputs: at random unconstrained points (uniform(-2, 2), Stan's
/// inits) rstan 2.21 computed log_prob(adjust_transform = TRUE) and its gradient (tools/posteriordb/make_logprob_fixture.py);
/// the energy must be -log_prob + const and its gradient -grad log_prob. This is the independent check that each model is
/// the posterior it names, Jacobians included.
/// </summary>
public sealed class StanLogProbTests(DeviceKind kind) : DeviceTest(kind)
{
    private sealed record Case(string Posterior, double[][] Points, double[] LogProb, double[][] Gradient)
    {
        public override string ToString() => Posterior;
    }

    private static IEnumerable<TestCaseData> Cases()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(PosteriorFiles.Path("stan_logprob.json")));
        foreach (JsonElement p in doc.RootElement.GetProperty("posteriors").EnumerateArray())
        {
            double[][] Rows(string name) => [.. p.GetProperty(name).EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetDouble()).ToArray())];
            var c = new Case(p.GetProperty("posterior").GetString()!, Rows("points"), [.. p.GetProperty("log_prob").EnumerateArray().Select(e => e.GetDouble())],
                Rows("gradient"));
            yield return new TestCaseData(c).SetName($"{{m}}({c.Posterior})");
        }
    }

    /// <summary>The fixture covers every posterior of the suite (regenerate it when the catalogue grows).</summary>
    [Test]
    public void Fixture_CoversTheCatalogue() =>
        Assert.That(Cases().Select(c => ((Case)c.Arguments[0]!).Posterior), Is.EquivalentTo(PosteriorCatalogue.Names));

    /// <summary>
    /// E(u_i) - E(u_0) = -(log_prob(u_i) - log_prob(u_0)) and dE/du = -grad log_prob at every point, within float32
    /// rounding: 1e-5 of the magnitudes involved (about 170 float32 ulps; the sums run over up to 1000 data points).
    /// Where Stan's log density lies beyond float32's range the energy must be +infinity (Stan's inits redraw such points).
    /// </summary>
    [TestCaseSource(nameof(Cases))]
    public void Energy_IsMinusStansLogProb(object data)
    {
        var c = (Case)data;
        using PosteriorModel model = PosteriorCatalogue.Create(c.Posterior, Device);
        int k = c.Points.Length, d = model.Dimension;
        Assert.That(c.Points[0], Has.Length.EqualTo(d), "Stan's unconstrained dimension");
        var x = new float[k, d];
        for (int i = 0; i < k; i++)
        for (int j = 0; j < d; j++) x[i, j] = (float)c.Points[i][j];
        using Tensor points = Device.FromArray(x);
        using Tensor energyTensor = model.Forward(points), gradientTensor = model.Gradient(points);
        float[] energy = energyTensor.ToArray();
        float[,] gradient = gradientTensor.ToArray2D();
        double worst = 0; // the largest error as a fraction of its tolerance, printed to show the margin
        Assert.Multiple(() =>
        {
            for (int i = 0; i < k; i++)
            {
                if (Math.Abs(c.LogProb[i]) > float.MaxValue)
                {
                    // Beyond float32 (ARMA errors growing as |theta|^T): the energy must say so, not return a wrong finite value.
                    Assert.That(energy[i], Is.EqualTo(float.PositiveInfinity), $"E(u_{i}), where Stan's log_prob is {c.LogProb[i]:G3}");
                    continue;
                }
                double expected = -(c.LogProb[i] - c.LogProb[0]), actual = (double)energy[i] - energy[0];
                double scale = Math.Abs(c.LogProb[i]) + Math.Abs(c.LogProb[0]);
                double tolerance = 1e-5 * scale + 1e-4;
                Assert.That(actual, Is.EqualTo(expected).Within(tolerance), $"E(u_{i}) - E(u_0)");
                worst = Math.Max(worst, Math.Abs(actual - expected) / tolerance);
                double norm = c.Gradient[i].Sum(Math.Abs);
                for (int j = 0; j < d; j++)
                {
                    Assert.That(gradient[i, j], Is.EqualTo(-c.Gradient[i][j]).Within(1e-5 * norm + 1e-4), $"dE/du_{j} at point {i}");
                    worst = Math.Max(worst, Math.Abs(gradient[i, j] + c.Gradient[i][j]) / (1e-5 * norm + 1e-4));
                }
            }
        });
        TestContext.Out.WriteLine($"{c.Posterior}: largest error {worst:F3} of its tolerance");
    }
}

using TorchEbm.Autodiff;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Autodiff;

/// <summary>
/// Whole MLPs: parameter and input gradients of sum(E(x) * r) equal central finite differences of a float64 host
/// forward pass (norm-wise relative error &lt; 1e-3), for every activation, depths 1-3 and widths including 1 and 130.
/// Parameter entries are checked at a sample of 24 per tensor (all when fewer) to keep the host work small.
/// </summary>
public sealed class MlpGradientTests(DeviceKind kind) : DeviceTest(kind)
{
    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (Activation a in Enum.GetValues<Activation>())
            yield return new TestCaseData(a, new[] { 16, 16 }).SetArgDisplayNames(a.ToString(), "2-16-16-1");
        yield return new TestCaseData(Activation.SiLU, Array.Empty<int>()).SetArgDisplayNames("SiLU", "2-1 (depth 1)");
        yield return new TestCaseData(Activation.Tanh, new[] { 1 }).SetArgDisplayNames("Tanh", "2-1-1");
        yield return new TestCaseData(Activation.GELU, new[] { 130 }).SetArgDisplayNames("GELU", "2-130-1");
        yield return new TestCaseData(Activation.SiLU, new[] { 130, 1, 7 }).SetArgDisplayNames("SiLU", "2-130-1-7-1");
    }

    [TestCaseSource(nameof(Cases))]
    public void ParameterAndInputGradients_MatchFiniteDifferences(Activation activation, int[] hidden)
    {
        const int n = 5, inputDim = 2;
        using var mlp = new MLP(Device, inputDim, hidden, 1, activation, seed: 11);
        var random = new System.Random(hidden.Sum() + (int)activation);
        double[] x = Enumerable.Range(0, n * inputDim).Select(_ => (double)(float)(2 * random.NextDouble() - 1)).ToArray();
        double[] r = Enumerable.Range(0, n).Select(_ => 2 * random.NextDouble() - 1).ToArray();
        (string Name, Var Parameter)[] named = mlp.NamedParameters().ToArray();
        double[][] parameters = named.Select(p => p.Parameter.Value.ToArray().Select(v => (double)v).ToArray()).ToArray();

        using var input = new Var(Device.FromArray(x.Select(v => (float)v).ToArray(), n, inputDim), requiresGrad: true);
        using var weights = new Var(Device.FromArray(r.Select(v => (float)v).ToArray(), n, 1));
        using Var loss = (mlp.Forward(input) * weights).Sum();
        loss.Backward();

        double HostLoss(double[][] ps, double[] xs) => HostMlp(ps, xs, n, activation).Select((e, i) => e * r[i]).Sum();
        Assert.That(loss.Value.ToArray()[0], Is.EqualTo(HostLoss(parameters, x)).Within(1e-4 * Math.Max(1, Math.Abs(HostLoss(parameters, x)))));

        double[] inputFd = FiniteDifferences.Gradient(xs => HostLoss(parameters, xs), (double[])x.Clone());
        Assert.That(FiniteDifferences.RelativeError(input.Grad!.ToArray(), inputFd), Is.LessThan(1e-3), "input gradient");

        for (int t = 0; t < named.Length; t++)
        {
            int which = t;
            int[] sample = Enumerable.Range(0, parameters[t].Length).OrderBy(_ => random.Next()).Take(24).ToArray();
            double[] fd = FiniteDifferences.Gradient(p => HostLoss(parameters.Select((q, j) => j == which ? p : q).ToArray(), x),
                (double[])parameters[t].Clone(), sample);
            float[] grad = named[t].Parameter.Grad!.ToArray();
            Assert.That(FiniteDifferences.RelativeError(sample.Select(i => grad[i]).ToArray(), fd), Is.LessThan(1e-3), named[t].Name);
        }
    }

    [Test]
    public void Names_AndShapes_FollowPyTorchSequential()
    {
        using var mlp = new MLP(Device, 2, [8, 4], 1, seed: 0);
        string[] names = mlp.NamedParameters().Select(p => p.Name).ToArray();
        Assert.That(names, Is.EqualTo(new[] { "0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias" }));
        Assert.That(mlp.NamedParameters().Select(p => p.Parameter.Shape),
            Is.EqualTo(new[] { new[] { 8, 2 }, [8], [4, 8], [4], [1, 4], [1] }));
    }

    [Test]
    public void LinearInitialisation_IsUniformWithinPyTorchsBound_AndSeeded()
    {
        using var a = new Linear(Device, 64, 200, seed: 5);
        using var b = new Linear(Device, 64, 200, seed: 5);
        using var c = new Linear(Device, 64, 200, seed: 6);
        float[] w = a.Weight.Value.ToArray(), bias = a.Bias.Value.ToArray();
        const float bound = 1f / 8f;
        Assert.That(w, Is.All.InRange(-bound, bound));
        Assert.That(bias, Is.All.InRange(-bound, bound));
        // Uniform(-b, b) has mean 0 and variance b^2 / 3: 12800 draws put the sample mean within 4 SE of 0.
        double se = bound / Math.Sqrt(3 * w.Length);
        Assert.That(w.Average(v => (double)v), Is.EqualTo(0).Within(4 * se));
        Assert.That(w.Average(v => (double)v * v), Is.EqualTo(bound * bound / 3.0).Within(0.05 * bound * bound / 3.0));
        Assert.That(b.Weight.Value.ToArray(), Is.EqualTo(w));
        Assert.That(c.Weight.Value.ToArray(), Is.Not.EqualTo(w));
        Assert.That(bias, Is.Not.EqualTo(w[..200]), "bias is drawn apart from the weight");
    }

    [Test]
    public void Modules_RejectWrongInputShapes_NamingBoth()
    {
        using var mlp = new MLP(Device, 3, [4], 1);
        using var x = new Var(Device.Zeros(5, 2));
        var e = Assert.Throws<ArgumentException>(() => mlp.Forward(x))!;
        Assert.That(e.Message, Does.Contain("(n, 3)").And.Contain("(5, 2)"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MLP(Device, 2, [0], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Linear(Device, 0, 3));
    }

    /// <summary>The MLP forward pass in float64: Linear (y = x W^T + b), activation, ..., Linear; energies (n).</summary>
    internal static double[] HostMlp(double[][] parameters, double[] x, int n, Activation activation)
    {
        double[] h = x;
        int width = x.Length / n, layers = parameters.Length / 2;
        for (int l = 0; l < layers; l++)
        {
            double[] w = parameters[2 * l], b = parameters[2 * l + 1];
            int outWidth = b.Length;
            var y = new double[n * outWidth];
            for (int i = 0; i < n; i++)
            for (int o = 0; o < outWidth; o++)
            {
                double sum = b[o];
                for (int p = 0; p < width; p++) sum += h[i * width + p] * w[o * width + p];
                y[i * outWidth + o] = l + 1 < layers ? OpGradientTests.HostActivation(activation, sum) : sum;
            }
            h = y;
            width = outWidth;
        }
        return h;
    }
}

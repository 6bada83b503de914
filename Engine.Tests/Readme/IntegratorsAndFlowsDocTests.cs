using System.Text.RegularExpressions;
using TorchEbm.Autodiff;
using TorchEbm.Integrators;
using TorchEbm.Interpolants;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Readme;

/// <summary>docs/articles/integrators-and-flows.md: its example is this test's marked code, and it runs.</summary>
public sealed class IntegratorsAndFlowsDocTests
{
    private const string Article = "docs/articles/integrators-and-flows.md";

    [Test]
    public void Example_Runs()
    {
        // README integrators and flows begins
        using var device = Device.Create(DeviceKind.Cpu);

        // Energy minimisation on the chain core (one fused launch for built-in models).
        using var model = new DoubleWellModel(device);
        var descent = new NesterovSampler(model, stepSize: 0.01f, momentum: 0.9f, seed: 0);
        using Tensor minima = descent.Sample(dim: 2, nSteps: 300, nSamples: 256);

        // A flow-matching training pair: x_t on the path from noise to data, and its velocity target.
        var path = new LinearInterpolant();
        using Tensor noise = device.Randn(256, 2, seed: 1), data = device.Randn(256, 2, seed: 2);
        (Tensor xt, Tensor target) = path.Interpolate(noise, data, t: 0.3f);
        using (xt)
        using (target)
        {
            // regress network([xt, t]) on target ...
        }

        // Sampling a time-conditioned velocity network with any integrator.
        using var network = new MLP(device, inputDim: 3, hiddenDims: new[] { 64, 64 }, outputDim: 2, seed: 0);
        var flow = new FlowSampler(device, VectorFields.FromNetwork(network), integrator: new RungeKutta4(), seed: 0);
        using Tensor samples = flow.Sample(dim: 2, nSteps: 20, nSamples: 256);
        // README integrators and flows ends

        float[] m = minima.ToArray();
        double atMinimum = m.Count(v => Math.Abs(Math.Abs(v) - Math.Sqrt(2)) < 1e-3) / (double)m.Length;
        Assert.That(atMinimum, Is.GreaterThanOrEqualTo(0.99), "Nesterov's chains end at x_i = +-sqrt(2)");
        Assert.That(samples.Shape, Is.EqualTo(new[] { 256, 2 }));
        Assert.That(samples.ToArray().All(float.IsFinite));
    }

    [Test]
    public void Article_ShowsTheTestedExample()
    {
        string text = File.ReadAllText(Path.Combine(Root(), Article));
        Match block = Regex.Match(text, @"## Example\n.*?```csharp\n(.*?)```", RegexOptions.Singleline);
        Assert.That(block.Success, $"{Article} has an Example section with a csharp block");
        string[] shown = [.. block.Groups[1].Value.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)];
        string[] tested = ReadmeCode.Marked("Engine.Tests/Readme/IntegratorsAndFlowsDocTests.cs", "integrators and flows")
            .Select(l => l.Replace("Device.Create(DeviceKind.Cpu)", "Device.Create()")).ToArray();
        Assert.That(shown, Is.EqualTo(tested));
    }

    private static string Root()
    {
        for (DirectoryInfo? d = new(TestContext.CurrentContext.TestDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "TorchEbm.Gpu.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("TorchEbm.Gpu.sln not found above the test directory.");
    }
}

using System.Text.RegularExpressions;
using TorchEbm.Autodiff;
using TorchEbm.Datasets;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;
using TorchEbm.Samplers;

namespace TorchEbm.Tests.Readme;

/// <summary>The README's quick start, compiled and run here; a second test keeps the README's copy identical to it.</summary>
public sealed class QuickStartTests
{
    [Test]
    public void QuickStart_Runs()
    {
        // README quick start begins
        using var device = Device.Create();
        using Tensor data = SyntheticDatasets.TwoMoons(device, n: 256, seed: 0);
        using var model = new NeuralNetworkModel(new MLP(device, inputDim: 2, hiddenDims: new[] { 32, 32 }, outputDim: 1, seed: 0));
        var sampler = new LangevinDynamics(model, stepSize: 0.01f, noiseScale: 0.1f, seed: 42);
        using var lossFn = new ContrastiveDivergence(sampler, k: 10);
        using var optimizer = new Adam(model.Parameters(), lr: 1e-3f);
        for (int epoch = 0; epoch < 100; epoch++)
        {
            optimizer.ZeroGrad();
            using Var loss = lossFn.Compute(model, data);
            loss.Backward();
            optimizer.Step();
        }
        using Tensor samples = sampler.Sample(nSamples: 100, dim: 2, nSteps: 200);
        // README quick start ends
        Assert.That(samples.Shape, Is.EqualTo(new[] { 100, 2 }));
        Assert.That(samples.ToArray(), Is.All.Matches<float>(float.IsFinite));
    }

    [Test]
    public void ReadmeQuickStart_IsTheCodeThisTestRuns()
    {
        string root = FindRepositoryRoot();
        string readme = File.ReadAllText(Path.Combine(root, "README.md"));
        Match block = Regex.Match(readme, @"## Quick start.*?```csharp\n(.*?)```", RegexOptions.Singleline);
        Assert.That(block.Success, "README.md has a ## Quick start section with a csharp block");
        string[] readmeLines = Statements(block.Groups[1].Value).Where(l => !l.StartsWith("using TorchEbm")).ToArray();

        string test = File.ReadAllText(Path.Combine(root, "Engine.Tests", "Readme", "QuickStartTests.cs"));
        Match body = Regex.Match(test, @"// README quick start begins\n(.*?)// README quick start ends", RegexOptions.Singleline);
        Assert.That(Statements(body.Groups[1].Value), Is.EqualTo(readmeLines));
    }

    private static string[] Statements(string code) =>
        [.. code.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)];

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? d = new(TestContext.CurrentContext.TestDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "TorchEbm.Gpu.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("TorchEbm.Gpu.sln not found above the test directory.");
    }
}

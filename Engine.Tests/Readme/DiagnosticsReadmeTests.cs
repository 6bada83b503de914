using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Readme;

/// <summary>The README's "Diagnostics and warnings" block runs as written: a healthy HMC run warns of nothing and writes one CSV per chain.</summary>
public sealed class DiagnosticsReadmeTests
{
    [Test]
    public void DiagnosticsBlock_RunsAsWritten()
    {
        Assert.That(ReadmeCode.Block("### Diagnostics and warnings"), Is.EqualTo(ReadmeCode.Marked("Engine.Tests/Readme/DiagnosticsReadmeTests.cs", "diagnostics")));
        using var device = Device.Create(DeviceKind.Cpu);
        using var model = new HarmonicModel(device);
        var sampler = new HamiltonianMonteCarlo(model, 0.15f, 10, seed: 4);
        string directory = Directory.CreateTempSubdirectory("torchebm-readme-trace-").FullName;
        try
        {
            // README diagnostics begins
            using ChainResult run = sampler.SampleChain(dim: 2, nSteps: 1000, nSamples: 4, new SampleOptions { ReturnTrajectory = true });
            foreach (SamplingWarning warning in run.Warnings) Console.Error.WriteLine(warning.Message);
            IReadOnlyList<string> files = run.WriteStanCsv(directory);   // directory/chain_1.csv .. chain_4.csv
            // README diagnostics ends
            Assert.That(run.Warnings, Is.Empty, "HMC with eps L = 1.5 on N(0, I): nearly independent draws, ESS far above 400");
            Assert.That(files.Select(Path.GetFileName), Is.EqualTo(new[] { "chain_1.csv", "chain_2.csv", "chain_3.csv", "chain_4.csv" }));
            Assert.That(File.ReadLines(files[3]).Count(line => !line.StartsWith('#')), Is.EqualTo(1001), "header and 1000 draws");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

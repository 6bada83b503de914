using System.Globalization;
using TorchEbm.Autodiff;
using TorchEbm.Checkpoints;
using TorchEbm.Models;
using TorchEbm.Training;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Training;

/// <summary>ToString() of the records a training run hands back shows their values, not the type's name.</summary>
public sealed class ResultToStringTests(DeviceKind kind) : DeviceTest(kind)
{
    [Test]
    public void ModelCard_ShowsArchitectureSamplerAndMetadata()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("torchebm-card-text-").FullName, "m.safetensors");
        try
        {
            using var model = new NeuralNetworkModel(new MLP(Device, 2, [16, 8], 1, Activation.SiLU, seed: 1));
            Checkpoint.Save(path, model, new SamplerSettings(0.01f, 0.1f, 200), new Dictionary<string, string> { ["loss"] = "cd", ["dataset"] = "two-moons" });
            Assert.That(Checkpoint.ReadModelCard(path).ToString(), Is.EqualTo(
                "ModelCard: MLP 2-16-8-1 (SiLU); sampler: Langevin step 0.01, noise 0.1, 200 steps; metadata: dataset=two-moons, loss=cd"));
        }
        finally { Directory.Delete(Path.GetDirectoryName(path)!, recursive: true); }
    }

    [Test]
    public void TrainingResult_ShowsStepsLossMmdAndHealth()
    {
        var options = new TrainingOptions { Steps = 20, BatchSize = 32, DataSize = 256, Hidden = [8], EvalSamples = 50, EvalSteps = 5 };
        using TrainingResult result = Trainer.Run(Device, options);
        string text = result.ToString();
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.StartWith("TrainingResult: 20 steps in "));
            Assert.That(text, Does.Contain("final loss " + result.Losses[^1].ToString("G4", CultureInfo.InvariantCulture)));
            Assert.That(text, Does.Contain("MMD^2 " + result.Mmd.ToString("G3", CultureInfo.InvariantCulture)));
            Assert.That(text, Does.Contain("health at step 20: gap "));
            Assert.That(result.Health.Select(h => h.Step), Is.EqualTo(new[] { 2, 4, 6, 8, 10, 12, 14, 16, 18, 20 }), "every tenth of the run");
        });
    }

    [Test]
    public void TrainingHealth_ShowsEveryMeasuredValue()
    {
        var health = new TrainingHealth(5, DataEnergy: -0.5f, NegativeEnergy: 0.25f, RmsEnergy: 0.4f, MaxAbsEnergy: 1.5f, DataSpread: 1.2f,
            NegativeSpread: 1.4f, BufferAge: 120f, BufferSpread: 1.3f, ProbeAcceptance: 0.74f);
        Assert.That(health.ToString(), Is.EqualTo(
            "gap -0.75, |E| rms 0.4 max 1.5, spread 1.40 (data 1.20), buffer age 120 spread 1.30, probe acceptance 0.74"));
        Assert.That(health with { BufferAge = null, BufferSpread = null, ProbeAcceptance = null }, Has.Property("EnergyGap").EqualTo(-0.75f));
        Assert.That((health with { BufferAge = null, BufferSpread = null, ProbeAcceptance = null }).ToString(),
            Is.EqualTo("gap -0.75, |E| rms 0.4 max 1.5, spread 1.40 (data 1.20)"));
        Assert.That(health.EnergiesWithin(1f), Is.False);
        Assert.That((health with { MaxAbsEnergy = float.NaN }).EnergiesWithin(1e8f), Is.False, "NaN is never in range");
    }
}

using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;
using TorchEbm.Training;

namespace TorchEbm.Tests.Losses;

/// <summary><see cref="ContrastiveDivergence.Health"/>: its energies, spreads, buffer ages and the MALA probe, each against an independent computation.</summary>
public sealed class ContrastiveDivergenceHealthTests(DeviceKind kind) : DeviceTest(kind)
{
    [Test]
    public void Health_BeforeAnyCall_Throws()
    {
        using var model = new HarmonicModel(Device, 1f);
        using var cd = new ContrastiveDivergence(new LangevinDynamics(model, 0.1f), k: 1, persistent: false);
        using Tensor data = Device.Randn(8, 2, seed: 1);
        Assert.Throws<InvalidOperationException>(() => cd.Health(data));
    }

    [Test]
    public void Energies_AreTheModelsOnDataAndNegatives()
    {
        // Harmonic energy, no noise: k steps of size h from the data scale each row by (1 - h)^k exactly, so the
        // negatives and their energies are known in closed form.
        using var model = new HarmonicModel(Device, 1f);
        using var cd = new ContrastiveDivergence(new LangevinDynamics(model, 0.1f, noiseScale: 0f), k: 2, persistent: false);
        using Tensor data = Device.Randn(64, 3, seed: 4);
        cd.Compute(model, data).Dispose();
        TrainingHealth health = cd.Health(data);

        float[] x = data.ToArray();
        double[] energies = [.. Enumerable.Range(0, 64).Select(i => 0.5 * Enumerable.Range(0, 3).Sum(j => (double)x[3 * i + j] * x[3 * i + j]))];
        double shrink = Math.Pow(0.9, 4); // E scales with the square of the factor 0.9^2
        double dataMean = energies.Average(), rms = Math.Sqrt(energies.Sum(e => e * e * (1 + shrink * shrink)) / 128);
        Assert.Multiple(() =>
        {
            Assert.That(health.DataEnergy, Is.EqualTo(dataMean).Within(1e-5).Percent);
            Assert.That(health.NegativeEnergy, Is.EqualTo(dataMean * shrink).Within(1e-4).Percent);
            Assert.That(health.EnergyGap, Is.EqualTo(dataMean * (1 - shrink)).Within(1e-3).Percent);
            Assert.That(health.RmsEnergy, Is.EqualTo(rms).Within(1e-4).Percent);
            Assert.That(health.MaxAbsEnergy, Is.EqualTo(energies.Max()).Within(1e-5).Percent);
            Assert.That(health.NegativeSpread, Is.EqualTo(health.DataSpread * 0.81f).Within(1e-4).Percent, "the spread shrinks by 0.9^2 too");
            Assert.That(health.BufferAge, Is.Null, "no buffer");
            Assert.That(health.EnergiesWithin(TrainingLoop.DivergenceLimit), Is.True);
        });
    }

    [Test]
    public void BufferAge_CountsStepsSinceEachRowsRestart()
    {
        using var model = new HarmonicModel(Device, 1f);
        using Tensor data = Device.Zeros(8, 2);
        // 16 rows, 8 chains per call, never restarted: after three calls rows 0-7 have run 2 calls and rows 8-15 one, of 3 steps each.
        using var kept = new ContrastiveDivergence(new LangevinDynamics(model, 0.1f, seed: 1), k: 3, batchSize: 8, persistent: true, bufferSize: 16,
            reinitFraction: 0f, seed: 2);
        // Restarted on every call: every row visited has run only the call's 3 steps.
        using var restarted = new ContrastiveDivergence(new LangevinDynamics(model, 0.1f, seed: 1), k: 3, batchSize: 8, persistent: true, bufferSize: 8,
            reinitFraction: 1f, seed: 2);
        for (int call = 0; call < 3; call++)
        {
            kept.Compute(model, data).Dispose();
            restarted.Compute(model, data).Dispose();
        }
        Assert.That(kept.Health(data).BufferAge, Is.EqualTo((8 * 6 + 8 * 3) / 16f));
        Assert.That(restarted.Health(data).BufferAge, Is.EqualTo(3f));
        float[] rows = kept.Buffer!.ToArray();
        double spread = Math.Sqrt(Enumerable.Range(0, 2).Sum(j =>
        {
            double mean = Enumerable.Range(0, 16).Average(i => (double)rows[2 * i + j]);
            return Enumerable.Range(0, 16).Average(i => (rows[2 * i + j] - mean) * (rows[2 * i + j] - mean));
        }));
        Assert.That(kept.Health(data).BufferSpread, Is.EqualTo(spread).Within(1e-4).Percent);
    }

    [Test]
    public void ProbeAcceptance_IsMalasAcceptanceAtTheSamplersTemperature()
    {
        // The probe scores the Langevin proposal at noise s for exp(-E / s^2). MALA (noise 1) on E / s^2 with step h s^2 makes
        // the same proposal and test, so from the same states its fraction of accepted moves estimates the same mean.
        // Chains: 4096 exact draws of the target N(0, s^2 I). Each chain's accept indicator and probe probability lie in
        // [0, 1] (variance <= 1/4 each, independent noise), so the difference of the two means has sd <= sqrt(0.5 / 4096)
        // = 0.011; 4 sd = 0.044.
        const int Chains = 4096;
        const float H = 0.4f, S = 0.5f;
        using var model = new HarmonicModel(Device, 1f);
        using var tempered = new HarmonicModel(Device, 1f / (S * S));
        using var cd = new ContrastiveDivergence(new LangevinDynamics(model, H, noiseScale: S, seed: 3), k: 0, persistent: false, seed: 5);
        using Tensor unit = Device.Randn(Chains, 2, seed: 9);
        using Tensor data = Device.FromArray([.. unit.ToArray().Select(v => v * S)], Chains, 2);
        cd.Compute(model, data).Dispose(); // k = 0: the negatives are the data
        float probe = cd.Health(data).ProbeAcceptance!.Value;

        var mala = new MetropolisAdjustedLangevin(tempered, H * S * S, seed: 7);
        using ChainResult run = mala.SampleChain(2, 1, Chains, new SampleOptions { InitialSamples = data });
        float accepted = run.Info!.MeanAcceptance;
        Assert.That(probe, Is.InRange(0.3f, 0.97f), "a step size where acceptance says something");
        Assert.That(probe, Is.EqualTo(accepted).Within(0.044f));
    }

    [Test]
    public void ProbeAcceptance_IsNullForSamplersWithoutALangevinProposal()
    {
        using var model = new HarmonicModel(Device, 1f);
        using var cd = new ContrastiveDivergence(new HamiltonianMonteCarlo(model, 0.1f, seed: 1), k: 1, persistent: false);
        using Tensor data = Device.Randn(16, 2, seed: 2);
        cd.Compute(model, data).Dispose();
        Assert.That(cd.Health(data).ProbeAcceptance, Is.Null);
    }
}

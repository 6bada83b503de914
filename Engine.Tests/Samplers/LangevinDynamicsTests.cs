using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>Reproducibility, trajectories, diagnostics, the step-by-step path for user models, and bad input.</summary>
public sealed class LangevinDynamicsTests(DeviceKind kind) : DeviceTest(kind)
{
    [Test]
    public void SameSeed_GivesBitIdenticalSamplesAndTrajectories()
    {
        using var model = new DoubleWellModel(Device);
        var options = new SampleOptions { ReturnTrajectory = true, Thin = 3 };
        using ChainResult a = new LangevinDynamics(model, 0.01f, seed: 5).SampleChain(3, 30, 64, options);
        using ChainResult b = new LangevinDynamics(model, 0.01f, seed: 5).SampleChain(3, 30, 64, options);
        using ChainResult c = new LangevinDynamics(model, 0.01f, seed: 6).SampleChain(3, 30, 64, options);

        Assert.That(Bits(b.Samples), Is.EqualTo(Bits(a.Samples)));
        Assert.That(Bits(b.Trajectory!), Is.EqualTo(Bits(a.Trajectory!)));
        Assert.That(c.Samples.ToArray(), Is.Not.EqualTo(a.Samples.ToArray()));
    }

    [Test]
    public void SuccessiveCalls_DrawFreshNoise_ButExplicitSeedRepeats()
    {
        using var model = new HarmonicModel(Device);
        var sampler = new LangevinDynamics(model, 0.05f, seed: 1);
        using Tensor first = sampler.Sample(dim: 2, nSteps: 10, nSamples: 16);
        using Tensor second = sampler.Sample(dim: 2, nSteps: 10, nSamples: 16);
        using Tensor seeded = sampler.Sample(dim: 2, nSteps: 10, nSamples: 16, new SampleOptions { Seed = 1 });
        Assert.That(second.ToArray(), Is.Not.EqualTo(first.ToArray()));
        Assert.That(Bits(seeded), Is.EqualTo(Bits(first)), "call 0 of seed 1 is what a fresh sampler with seed 1 draws first");
    }

    [Test]
    public void Trajectory_HasDocumentedShape_AndEndsAtTheSamples()
    {
        using var model = new HarmonicModel(Device);
        var sampler = new LangevinDynamics(model, 0.05f, seed: 3);
        using ChainResult r = sampler.SampleChain(dim: 2, nSteps: 10, nSamples: 5, new SampleOptions { ReturnTrajectory = true, Thin = 3 });
        Assert.That(r.Trajectory!.Shape, Is.EqualTo(new[] { 3, 5, 2 }));
        Assert.That(r.Diagnostics, Is.Null);

        using ChainResult full = sampler.SampleChain(2, 9, 5, new SampleOptions { ReturnTrajectory = true, Thin = 3, Seed = 4 });
        float[] trajectory = full.Trajectory!.ToArray();
        Assert.That(trajectory[^10..], Is.EqualTo(full.Samples.ToArray()), "the last kept state is the state after step 9");
    }

    [Test]
    public void Diagnostics_AgreeWithHostRecomputationFromTrajectory()
    {
        using var model = new DoubleWellModel(Device);
        var sampler = new LangevinDynamics(model, 0.01f, seed: 8);
        const int n = 300, d = 3, steps = 20, thin = 4;
        using ChainResult r = sampler.SampleChain(d, steps, n, new SampleOptions { ReturnTrajectory = true, ReturnDiagnostics = true, Thin = thin });
        float[] traj = r.Trajectory!.ToArray();
        float[] meanEnergy = r.Diagnostics!.MeanEnergy.ToArray(), mean = r.Diagnostics.Mean.ToArray(), variance = r.Diagnostics.Variance.ToArray();
        int kept = steps / thin;
        Assert.That(r.Diagnostics.Mean.Shape, Is.EqualTo(new[] { kept, d }));

        for (int k = 0; k < kept; k++)
        {
            double energy = 0;
            for (int c = 0; c < n; c++)
            {
                double[] row = Enumerable.Range(0, d).Select(j => (double)traj[(k * n + c) * d + j]).ToArray();
                energy += Models.HostEnergies.DoubleWell(row, 1, 2) / n;
            }
            Assert.That(meanEnergy[k], Is.EqualTo(energy).Within(1e-4 * Math.Max(1, energy)), $"mean energy at kept step {k}");
            for (int j = 0; j < d; j++)
            {
                double[] column = Enumerable.Range(0, n).Select(c => (double)traj[(k * n + c) * d + j]).ToArray();
                double m = column.Average(), v = column.Average(x => (x - m) * (x - m));
                Assert.That(mean[k * d + j], Is.EqualTo(m).Within(1e-5 * Math.Max(1, Math.Abs(m))));
                Assert.That(variance[k * d + j], Is.EqualTo(v).Within(1e-4 * Math.Max(1, v)));
            }
        }
    }

    [Test]
    public void UserModel_RunsStepByStep_AndMatchesTheFusedKernel()
    {
        using var fusedModel = new DoubleWellModel(Device);
        using var userModel = new OpaqueModel(new DoubleWellModel(Device));
        var options = new SampleOptions { ReturnTrajectory = true, Thin = 2 };
        using ChainResult fused = new LangevinDynamics(fusedModel, 0.01f, seed: 12).SampleChain(5, 20, 33, options);
        using ChainResult stepwise = new LangevinDynamics(userModel, 0.01f, seed: 12).SampleChain(5, 20, 33, options);
        float[] a = fused.Trajectory!.ToArray(), b = stepwise.Trajectory!.ToArray();
        // Same gradient code, same noise counters: equal up to the compiler's choice of fused multiply-adds.
        for (int i = 0; i < a.Length; i++)
            Assert.That(b[i], Is.EqualTo(a[i]).Within(1e-5f * Math.Max(1f, Math.Abs(a[i]))), $"element {i}");
    }

    [Test]
    public void Clamp_KeepsEveryCoordinateInTheBox()
    {
        using var model = new HarmonicModel(Device, 0.01f);
        var sampler = new LangevinDynamics(model, 0.5f, seed: 2, clampMin: -0.5f, clampMax: 0.25f);
        using Tensor x = sampler.Sample(dim: 4, nSteps: 50, nSamples: 200);
        Assert.That(x.ToArray(), Is.All.InRange(-0.5f, 0.25f));
    }

    [Test]
    public void SampleStep_TakesOneStepFromTheGivenStates()
    {
        using var model = new HarmonicModel(Device);
        var sampler = new LangevinDynamics(model, 0.01f, noiseScale: 0f, seed: 2);
        using Tensor x = Device.FromArray([1f, -2f, 0.5f, 4f], 2, 2);
        using Tensor next = sampler.SampleStep(x);
        Assert.That(next.ToArray(), Is.EqualTo(new[] { 0.99f, -1.98f, 0.495f, 3.96f }).Within(1e-6f));
    }

    [Test]
    public void BadInput_IsRejectedBeforeAnyLaunch()
    {
        using var gaussian = new GaussianModel(Device, [0f, 0f], new float[,] { { 1, 0 }, { 0, 1 } });
        var sampler = new LangevinDynamics(gaussian, 0.01f);
        Assert.That(Assert.Throws<ArgumentException>(() => sampler.Sample(dim: 3, nSteps: 5, nSamples: 10))!.ParamName, Is.EqualTo("dim"));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Sample(dim: 2, nSteps: -1, nSamples: 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Sample(dim: 2, nSteps: 5, nSamples: 10, new SampleOptions { Thin = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LangevinDynamics(gaussian, 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LangevinDynamics(gaussian, -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LangevinDynamics(gaussian, 0.1f, clampMin: 1f, clampMax: 0f));

        using Tensor withNaN = Device.FromArray([0f, float.NaN, 1f, 2f], 2, 2);
        var e = Assert.Throws<ArgumentException>(() => sampler.Sample(dim: 2, nSteps: 5, nSamples: 2, new SampleOptions { InitialSamples = withNaN }))!;
        Assert.That(e.Message, Does.Contain("finite").And.Contain("[0, 1]"));

        using Tensor wrongShape = Device.Zeros(3, 2);
        Assert.Throws<ArgumentException>(() => sampler.Sample(dim: 2, nSteps: 5, nSamples: 2, new SampleOptions { InitialSamples = wrongShape }));
        Assert.Throws<ArgumentException>(() => sampler.Sample(dim: 2, nSteps: 2, nSamples: 2, new SampleOptions { ReturnTrajectory = true, Thin = 3 }));
    }

    private static int[] Bits(Tensor t) => t.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
}

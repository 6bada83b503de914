using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>Chains that blow up are counted on the device, and ThrowOnNonFinite turns them into an exception.</summary>
public sealed class NonFiniteChainTests(DeviceKind kind) : DeviceTest(kind)
{
    /// <summary>
    /// Noise-free Langevin on E = x^2/2 multiplies each coordinate by (1 - h) per step: with h = 1e6 a start of 1 passes
    /// float's range after seven steps (1e36 * 1e6 = inf), while a start of 0 stays exactly 0.
    /// </summary>
    private static float[] Starts(int chains, int dim, int[] blowUp)
    {
        var x = new float[chains * dim];
        foreach (int c in blowUp) x[c * dim + dim - 1] = 1f;
        return x;
    }

    [TestCase(true)]
    [TestCase(false)]
    public void NonFiniteChains_CountsExactlyTheChainsThatBlewUp(bool fused)
    {
        using var harmonic = new HarmonicModel(Device);
        BaseModel model = fused ? harmonic : new OpaqueModel(harmonic);
        var sampler = new LangevinDynamics(model, stepSize: 1e6f, noiseScale: 0f, seed: 1);
        int[] blowUp = [0, 3, 17, 40];
        using Tensor x0 = Device.FromArray(Starts(41, 3, blowUp), 41, 3);
        using ChainResult r = sampler.SampleChain(3, 12, 41, new SampleOptions { InitialSamples = x0 });

        float[] samples = r.Samples.ToArray();
        int expected = Enumerable.Range(0, 41).Count(c => Enumerable.Range(0, 3).Any(j => !float.IsFinite(samples[c * 3 + j])));
        Assert.That(expected, Is.EqualTo(blowUp.Length), "the chains started at 1 leave float's range, the others stay at 0");
        Assert.That(r.NonFiniteChains, Is.EqualTo(expected));
    }

    [Test]
    public void NonFiniteChains_IsZeroForAHealthyRun()
    {
        using var model = new HarmonicModel(Device);
        var sampler = new LangevinDynamics(model, stepSize: 0.01f, seed: 1);
        using ChainResult r = sampler.SampleChain(2, 50, 300);
        Assert.That(r.NonFiniteChains, Is.Zero);
    }

    [Test]
    public void ThrowOnNonFinite_ThrowsWithTheCount_AndFreesTheResults()
    {
        using var model = new HarmonicModel(Device);
        var sampler = new LangevinDynamics(model, stepSize: 1e6f, noiseScale: 0f, seed: 1);
        using Tensor x0 = Device.FromArray(Starts(10, 2, [1, 2]), 10, 2);
        var options = new SampleOptions { InitialSamples = x0, ReturnTrajectory = true, ThrowOnNonFinite = true };
        var e = Assert.Throws<NotFiniteNumberException>(() => sampler.SampleChain(2, 12, 10, options).Dispose())!;
        Assert.That(e.Message, Does.StartWith("2 of 10 chains"));
        Assert.That(x0.IsDisposed, Is.False);
    }

    [Test]
    public void ThrowOnNonFinite_PassesAHealthyRun()
    {
        using var model = new HarmonicModel(Device);
        var sampler = new LangevinDynamics(model, stepSize: 0.01f, seed: 1);
        using Tensor samples = sampler.Sample(dim: 2, nSteps: 20, nSamples: 64, new SampleOptions { ThrowOnNonFinite = true });
        Assert.That(samples.ToArray(), Is.All.Matches<float>(float.IsFinite));
    }
}

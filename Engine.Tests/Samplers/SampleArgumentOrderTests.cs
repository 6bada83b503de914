using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>
/// <see cref="Sampler.Sample"/> and <see cref="Sampler.SampleChain"/> take their sizes in one order, TorchEBM's
/// (dim, nSteps, nSamples); a call still written in the old Sample order (nSamples, dim, nSteps) is caught where the
/// sizes can tell.
/// </summary>
public sealed class SampleArgumentOrderTests(DeviceKind kind) : DeviceTest(kind)
{
    private static IEnumerable<TestCaseData> Samplers()
    {
        yield return new TestCaseData((Func<BaseModel, Sampler>)(m => new LangevinDynamics(m, 0.05f, seed: 7))).SetName("{m}_Langevin");
        yield return new TestCaseData((Func<BaseModel, Sampler>)(m => new MetropolisAdjustedLangevin(m, 0.1f, seed: 7))).SetName("{m}_Mala");
        yield return new TestCaseData((Func<BaseModel, Sampler>)(m => new HamiltonianMonteCarlo(m, 0.1f, 3, seed: 7))).SetName("{m}_Hmc");
    }

    [TestCaseSource(nameof(Samplers))]
    public void SamplePositional_EqualsSampleChainPositional(Func<BaseModel, Sampler> create)
    {
        using var model = new DoubleWellModel(Device);
        const int dim = 3, nSteps = 7, nSamples = 5;   // three different sizes: any swap changes the shape

        using Tensor samples = create(model).Sample(dim, nSteps, nSamples);
        using ChainResult chain = create(model).SampleChain(dim, nSteps, nSamples);

        Assert.That(samples.Shape, Is.EqualTo(new[] { nSamples, dim }));
        Assert.That(Bits(samples), Is.EqualTo(Bits(chain.Samples)), "the same seed and the same order give the same chains");
    }

    [Test]
    public void OneSampleByDefault_AsSampleChain()
    {
        using var model = new DoubleWellModel(Device);
        using Tensor one = new LangevinDynamics(model, 0.05f, seed: 2).Sample(dim: 4, nSteps: 3);
        Assert.That(one.Shape, Is.EqualTo(new[] { 1, 4 }));
    }

    [Test]
    public void OldOrder_OnAModelOfFixedDimension_ThrowsNamingDim()
    {
        using var gaussian = new GaussianModel(Device, [0f, 0f], new float[,] { { 1, 0 }, { 0, 1 } });
        var sampler = new LangevinDynamics(gaussian, 0.01f);

        // The example: 1000 samples of dimension 2 for 20 steps, written in the old Sample order.
        var sample = Assert.Throws<ArgumentException>(() => sampler.Sample(1000, 2, 20).Dispose())!;
        var chain = Assert.Throws<ArgumentException>(() => sampler.SampleChain(1000, 2, 20).Dispose())!;
        Assert.That(sample.ParamName, Is.EqualTo("dim"));
        Assert.That(chain.ParamName, Is.EqualTo("dim"));
    }

    [Test]
    public void OldOrder_WithInitialSamples_ThrowsNamingTheShapes()
    {
        using var model = new DoubleWellModel(Device);   // any dimension: only the starting states can tell
        var sampler = new LangevinDynamics(model, 0.01f);
        using Tensor start = Device.Zeros(8, 2);          // 8 chains in 2-D

        var e = Assert.Throws<ArgumentException>(() => sampler.Sample(8, 2, 10, new SampleOptions { InitialSamples = start }).Dispose())!;
        Assert.That(e.ParamName, Is.EqualTo("options"));
        Assert.That(e.Message, Does.Contain("(8, 2)").And.Contain("(10, 8)"));
        sampler.Sample(2, 10, 8, new SampleOptions { InitialSamples = start }).Dispose();   // the new order runs
    }

    [Test]
    public void OldOrder_WithZeroSteps_ThrowsNamingNSamples()
    {
        using var model = new DoubleWellModel(Device);
        var sampler = new LangevinDynamics(model, 0.01f);
        // Old Sample(nSamples: 64, dim: 2, nSteps: 0) now asks for 0 samples.
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Sample(64, 2, 0).Dispose())!;
        Assert.That(e.ParamName, Is.EqualTo("nSamples"));
    }

    private static int[] Bits(Tensor t) => t.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
}

using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Models;

/// <summary>
/// CompositeModel: the fused path (all parts analytic) equals the part-by-part path, samplers fuse it, and bad
/// arguments are rejected. Its Forward and Gradient accuracy is checked with the other models in AnalyticModelTests.
/// </summary>
public sealed class CompositeModelTests(DeviceKind kind) : DeviceTest(kind)
{
    [Test]
    public void FusedComposite_EqualsPartByPartSum()
    {
        using var gaussian = new GaussianModel(Device, [1f, -1f, 0f], new float[,] { { 1, 0.5f, 0 }, { 0.5f, 2, 0 }, { 0, 0, 1 } });
        using var well = new DoubleWellModel(Device, 0.5f, 1f);
        using var fused = new CompositeModel([gaussian, well], [0.7f, 1.3f]);
        using var partwise = new CompositeModel([new OpaqueModel(gaussian), well], [0.7f, 1.3f]);
        Assert.That(fused.IsFused, Is.True);
        Assert.That(partwise.IsFused, Is.False);
        Assert.That(fused.Dim, Is.EqualTo(3));

        using Tensor x = Device.Randn(50, 3, seed: 4);
        using Tensor e1 = fused.Forward(x), e2 = partwise.Forward(x), g1 = fused.Gradient(x), g2 = partwise.Gradient(x);
        Assert.That(e2.ToArray(), Is.EqualTo(e1.ToArray()).Within(1e-5f));
        Assert.That(g2.ToArray(), Is.EqualTo(g1.ToArray()).Within(1e-5f));
    }

    [Test]
    public void Langevin_OnFusedComposite_MatchesTheStepByStepPath()
    {
        using var harmonic = new HarmonicModel(Device, 2f);
        using var ackley = new AckleyModel(Device);
        using var fused = new CompositeModel([harmonic, ackley], [1f, 0.5f]);
        using var partwise = new CompositeModel([harmonic, new OpaqueModel(ackley)], [1f, 0.5f]);
        var options = new SampleOptions { ReturnTrajectory = true, Thin = 5 };
        using ChainResult a = new LangevinDynamics(fused, 0.01f, seed: 3).SampleChain(4, 40, 17, options);
        using ChainResult b = new LangevinDynamics(partwise, 0.01f, seed: 3).SampleChain(4, 40, 17, options);
        float[] ta = a.Trajectory!.ToArray(), tb = b.Trajectory!.ToArray();
        for (int i = 0; i < ta.Length; i++)
            Assert.That(tb[i], Is.EqualTo(ta[i]).Within(1e-4f * Math.Max(1f, Math.Abs(ta[i]))), $"element {i}");
    }

    [Test]
    public void Composite_DoesNotDisposeItsParts()
    {
        using var harmonic = new HarmonicModel(Device);
        using var well = new DoubleWellModel(Device);
        new CompositeModel([harmonic, well]).Dispose();
        using Tensor x = Device.Zeros(2, 2);
        using Tensor e = harmonic.Forward(x);
        Assert.That(e.ToArray(), Is.EqualTo(new[] { 0f, 0f }));
    }

    [Test]
    public void BadArguments_AreRejected()
    {
        using var harmonic = new HarmonicModel(Device);
        using var well = new DoubleWellModel(Device);
        using var gaussian2 = new GaussianModel(Device, [0f, 0f], new float[,] { { 1, 0 }, { 0, 1 } });
        using var gaussian3 = new GaussianModel(Device, [0f, 0f, 0f], new float[,] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } });
        using var rosenbrock = new RosenbrockModel(Device);

        Assert.That(Assert.Throws<ArgumentException>(() => new CompositeModel([harmonic]))!.ParamName, Is.EqualTo("models"));
        Assert.That(Assert.Throws<ArgumentException>(() => new CompositeModel([harmonic, well], [1f]))!.ParamName, Is.EqualTo("weights"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new CompositeModel([harmonic, well], [1f, float.NaN]))!.ParamName,
            Is.EqualTo("weights[1]"));
        var e = Assert.Throws<ArgumentException>(() => new CompositeModel([gaussian2, harmonic, gaussian3]))!;
        Assert.That(e.Message, Does.Contain("3").And.Contain("2"));
        Assert.Throws<ArgumentException>(() => new CompositeModel([harmonic, null!]));

        using var composite = new CompositeModel([harmonic, rosenbrock]);
        using Tensor x1 = Device.Zeros(4, 1);
        Assert.That(Assert.Throws<ArgumentException>(() => composite.Forward(x1))!.Message, Does.Contain(">= 2"));
        var sampler = new LangevinDynamics(composite, 0.01f);
        Assert.That(Assert.Throws<ArgumentException>(() => sampler.Sample(dim: 1, nSteps: 10, nSamples: 4))!.ParamName, Is.EqualTo("dim"));

        using Device other = Device.CreateCpu(TorchEbm.Launch.CpuLayout.Default);
        using var elsewhere = new HarmonicModel(other);
        Assert.Throws<ArgumentException>(() => new CompositeModel([harmonic, elsewhere]));
    }
}

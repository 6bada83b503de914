using TorchEbm.Diagnostics;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Diagnostics;

/// <summary><see cref="ChainStatistics"/> on device trajectories: the same numbers as the host overloads, and the tensor checks.</summary>
public sealed class ChainStatisticsTensorTests(DeviceKind kind) : DeviceTest(kind)
{
    /// <summary>
    /// Langevin on E = |x|^2 / 2 with h = 0.1 is, per coordinate, AR(1) with rho = 1 - h = 0.9 from a near-stationary
    /// start (N(0, I) against N(0, 1 / (1 - h / 2))): ESS about 16 x 2000 x 0.1 / 1.9 = 1684 and R-hat near 1.
    /// The tensor overload must give exactly what the host overload gives on the copied numbers.
    /// </summary>
    [Test]
    public void LangevinTrajectory_MatchesHostOverload_AndLooksConverged()
    {
        using var model = new HarmonicModel(Device);
        var sampler = new LangevinDynamics(model, 0.1f, seed: 1);
        using ChainResult result = sampler.SampleChain(dim: 2, nSteps: 2000, nSamples: 16, new SampleOptions { ReturnTrajectory = true });
        Tensor trajectory = result.Trajectory!;
        Assert.That(trajectory.Shape, Is.EqualTo(new[] { 2000, 16, 2 }));

        float[,,] host = trajectory.ToArray3D();

        float[] ess = ChainStatistics.EffectiveSampleSize(trajectory), rHat = ChainStatistics.SplitRHat(trajectory);
        TestContext.Out.WriteLine($"ESS {string.Join(", ", ess)} (AR(1) theory 1684); R-hat {string.Join(", ", rHat)}");
        Assert.That(ess, Is.EqualTo(ChainStatistics.EffectiveSampleSize(host)));
        Assert.That(rHat, Is.EqualTo(ChainStatistics.SplitRHat(host)));
        Assert.That(rHat, Is.All.LessThan(1.05f));
        Assert.That(ess, Is.All.GreaterThan(100f));
    }

    /// <summary>The tensor overloads of tail ESS, MCSE and E-BFMI give exactly the host overloads' numbers.</summary>
    [Test]
    public void TailEssMcseAndBfmi_TensorOverloads_MatchHost()
    {
        double[,,] d = ChainStatisticsTests.Ar1(4, 300, 0.6, seed: 22);
        var host = new float[300, 4, 1];
        var energy = new float[300, 4];
        for (int t = 0; t < 300; t++) for (int c = 0; c < 4; c++) host[t, c, 0] = energy[t, c] = (float)d[t, c, 0];
        using Tensor x = Device.FromArray(host.Cast<float>().ToArray(), 300, 4, 1);
        using Tensor e = Device.FromArray(energy.Cast<float>().ToArray(), 300, 4);
        Assert.That(ChainStatistics.TailEffectiveSampleSize(x), Is.EqualTo(ChainStatistics.TailEffectiveSampleSize(host)));
        Assert.That(ChainStatistics.MonteCarloStandardError(x), Is.EqualTo(ChainStatistics.MonteCarloStandardError(host)));
        Assert.That(ChainStatistics.EnergyBfmi(e), Is.EqualTo(ChainStatistics.EnergyBfmi(energy)));
    }

    [Test]
    public void EnergyBfmi_RankThreeTensor_IsRejected()
    {
        using Tensor x = Device.Zeros(10, 2, 1);
        var ex = Assert.Throws<ArgumentException>(() => ChainStatistics.EnergyBfmi(x))!;
        Assert.That(ex.ParamName, Is.EqualTo("energy"));
        Assert.That(ex.Message, Does.Contain("(10, 2, 1)"));
    }

    [Test]
    public void NullTensor_IsRejected()
    {
        Assert.That(Assert.Throws<ArgumentNullException>(() => ChainStatistics.EffectiveSampleSize((Tensor)null!))!.ParamName, Is.EqualTo("trajectory"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => ChainStatistics.SplitRHat((Tensor)null!))!.ParamName, Is.EqualTo("trajectory"));
    }

    [Test]
    public void RankTwoTensor_IsRejected_NamingTheShape()
    {
        using Tensor x = Device.Zeros(100, 2);
        var ex = Assert.Throws<ArgumentException>(() => ChainStatistics.SplitRHat(x))!;
        Assert.That(ex.ParamName, Is.EqualTo("trajectory"));
        Assert.That(ex.Message, Does.Contain("(100, 2)"));
        Assert.Throws<ArgumentException>(() => ChainStatistics.EffectiveSampleSize(x));
    }

    [Test]
    public void ThreeKeptDraws_AreRejected()
    {
        using Tensor x = Device.Zeros(3, 4, 2);
        var ex = Assert.Throws<ArgumentException>(() => ChainStatistics.EffectiveSampleSize(x))!;
        Assert.That(ex.ParamName, Is.EqualTo("trajectory"));
        Assert.That(ex.Message, Does.Contain("(3, 4, 2)"));
        Assert.Throws<ArgumentException>(() => ChainStatistics.SplitRHat(x));
    }

    [Test]
    public void DisposedTensor_IsRejected()
    {
        Tensor x = Device.Zeros(10, 4, 2);
        x.Dispose();
        Assert.Throws<ObjectDisposedException>(() => ChainStatistics.EffectiveSampleSize(x));
        Assert.Throws<ObjectDisposedException>(() => ChainStatistics.SplitRHat(x));
    }
}

using TorchEbm.Distributed;
using TorchEbm.Models;
using TorchEbm.Samplers;

namespace TorchEbm.Tests.Distributed;

/// <summary>
/// <see cref="ShardedSampling"/> on one rank (no MPI): the gathered chains are the sampler's own, bit for bit; options
/// it cannot honour are refused; <see cref="Communicator.Guard{T}"/> lets an exception through on one rank.
/// </summary>
public sealed class ShardedSamplingTests
{
    private Device _device = null!;

    [OneTimeSetUp]
    public void CreateDevice() => _device = Device.Create(DeviceKind.Cpu);

    [OneTimeTearDown]
    public void DisposeDevice() => _device.Dispose();

    [Test]
    public void OneRank_GathersTheSamplersOwnChains()
    {
        using var model = new DoubleWellModel(_device);
        using Communicator single = Communicator.Single();
        var options = new SampleOptions { Seed = 3, ReturnTrajectory = true, Thin = 2 };
        using ChainResult direct = new HamiltonianMonteCarlo(model, 0.1f, 3, seed: 3).SampleChain(2, 8, 5, options);
        GatheredChains gathered = ShardedSampling.SampleChain(single, new HamiltonianMonteCarlo(model, 0.1f, 3, seed: 3), 2, 8, 5, options);
        Assert.Multiple(() =>
        {
            Assert.That(gathered.Samples, Is.EqualTo(direct.Samples.ToArray()));
            Assert.That(gathered.Trajectory, Is.EqualTo(direct.Trajectory!.ToArray()));
            Assert.That(gathered.AcceptanceRate, Is.EqualTo(direct.Info!.AcceptanceRate.ToArray()));
            Assert.That(gathered.Kept, Is.EqualTo(4));
            Assert.That(gathered.Draws(1).GetLength(1), Is.EqualTo(5));
        });
    }

    /// <summary>NUTS's per-draw statistics (for the tree-depth and E-BFMI warnings and the Stan CSV columns) come back with the chains.</summary>
    [Test]
    public void OneRank_GathersNutsPerDrawStatistics()
    {
        using var model = new DoubleWellModel(_device);
        using Communicator single = Communicator.Single();
        var options = new SampleOptions { Seed = 5, ReturnTrajectory = true, WarmupSteps = 30 };
        using ChainResult direct = new NoUTurnSampler(model, 0.1f, maxTreeDepth: 6, seed: 5).SampleChain(dim: 2, nSteps: 12, nSamples: 6, options);
        GatheredChains gathered = ShardedSampling.SampleChain(single, new NoUTurnSampler(model, 0.1f, maxTreeDepth: 6, seed: 5), 2, 12, 6, options);
        DrawStatistics expected = direct.PerDrawStatistics(), actual = gathered.PerDrawStatistics;
        Assert.Multiple(() =>
        {
            Assert.That(gathered.Trajectory, Is.EqualTo(direct.Trajectory!.ToArray()));
            Assert.That(actual.TreeDepth, Is.Not.Null.And.EqualTo(expected.TreeDepth));
            Assert.That(actual.Leapfrogs, Is.EqualTo(expected.Leapfrogs));
            Assert.That(actual.Energy, Is.EqualTo(expected.Energy));
            Assert.That(actual.AcceptStat, Is.EqualTo(expected.AcceptStat));
            Assert.That(actual.Divergent, Is.EqualTo(expected.Divergent));
            Assert.That(gathered.StrandedChains, Is.EqualTo(direct.Info!.StrandedChains));
            Assert.That(gathered.MaxTreeDepth, Is.EqualTo(6));
        });
    }

    [Test]
    public void FirstChainSet_Throws()
    {
        using var model = new DoubleWellModel(_device);
        using Communicator single = Communicator.Single();
        var e = Assert.Throws<ArgumentException>(() =>
            ShardedSampling.SampleChain(single, new LangevinDynamics(model, 0.01f), 2, 1, 4, new SampleOptions { FirstChain = 2 }));
        Assert.That(e!.ParamName, Is.EqualTo("options"));
    }

    [Test]
    public void Draws_WithoutTrajectory_Throws()
    {
        using var model = new DoubleWellModel(_device);
        using Communicator single = Communicator.Single();
        GatheredChains gathered = ShardedSampling.SampleChain(single, new LangevinDynamics(model, 0.01f), 2, 1, 4);
        Assert.Throws<InvalidOperationException>(() => gathered.Draws(1));
    }

    [Test]
    public void Guard_OnOneRank_LetsTheExceptionThrough()
    {
        using Communicator single = Communicator.Single();
        var error = new StringWriter();
        Assert.Throws<InvalidDataException>(() => single.Guard<int>(() => throw new InvalidDataException("bad"), error));
        Assert.That(error.ToString(), Is.Empty);
    }
}

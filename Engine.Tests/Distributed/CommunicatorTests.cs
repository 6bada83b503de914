using TorchEbm.Distributed;

namespace TorchEbm.Tests.Distributed;

/// <summary>
/// The communicator without MPI: a single rank needs no MPI library and its collectives are the identity; the split of
/// items over ranks; a disposed communicator throws; a missing MPI library and too few GPUs are clear errors.
/// </summary>
public sealed class CommunicatorTests
{
    [Test]
    public void Single_IsRankZeroOfOne_WithoutMpi()
    {
        using Communicator single = Communicator.Single();
        Assert.Multiple(() =>
        {
            Assert.That((single.Rank, single.Size, single.LocalRank, single.LocalSize), Is.EqualTo((0, 1, 0, 1)));
            Assert.That(single.IsRoot, Is.True);
            Assert.That(single.UsesMpi, Is.False);
        });
    }

    [Test]
    public void Single_SumInPlace_LeavesTheValues()
    {
        using Communicator single = Communicator.Single();
        float[] values = [1.5f, -2f, 3f];
        single.SumInPlace(values);
        Assert.That(values, Is.EqualTo(new[] { 1.5f, -2f, 3f }));
        Assert.That(single.ReduceCalls, Is.EqualTo(1));
    }

    [Test]
    public void Single_GatherToRoot_ReturnsACopy()
    {
        using Communicator single = Communicator.Single();
        float[] local = [4f, 5f];
        float[]? all = single.GatherToRoot(local);
        Assert.That(all, Is.EqualTo(local).And.Not.SameAs(local));
    }

    [Test]
    public void Disposed_SumInPlace_ThrowsObjectDisposed()
    {
        Communicator single = Communicator.Single();
        single.Dispose();
        Assert.Throws<ObjectDisposedException>(() => single.SumInPlace([1f]));
    }

    [Test]
    public void Disposed_CreateDevice_ThrowsObjectDisposed()
    {
        Communicator single = Communicator.Single();
        single.Dispose();
        Assert.Throws<ObjectDisposedException>(() => single.CreateDevice(DeviceKind.Cpu));
    }

    [TestCase(10, 3)]
    [TestCase(256, 2)]
    [TestCase(7, 7)]
    [TestCase(1000, 8)]
    public void Shares_AreContiguousAndCoverEveryItemOnce(int total, int size)
    {
        var shares = Enumerable.Range(0, size).Select(rank => TorchEbm.Losses.BatchShard.Of(total, rank, size)).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(shares[0].First, Is.Zero);
            for (int r = 1; r < size; r++) Assert.That(shares[r].First, Is.EqualTo(shares[r - 1].First + shares[r - 1].Count));
            Assert.That(shares.Sum(s => s.Count), Is.EqualTo(total));
            Assert.That(shares.Max(s => s.Count) - shares.Min(s => s.Count), Is.LessThanOrEqualTo(1));
        });
    }

    [Test]
    public void MissingMpiLibrary_ThrowsNamingTheDebianPackage()
    {
        var e = Assert.Throws<MpiUnavailableException>(() => MpiLibrary.Find(["/nonexistent/libmpich.so.12"]));
        Assert.That(e!.Message, Does.Contain("apt-get install mpich").And.Contain("/nonexistent/libmpich.so.12"));
    }

    [Test]
    public void GpuShortage_NamesTheRanksAndGpusOfTheNode()
    {
        string message = Communicator.GpuShortage(rank: 5, localRank: 1, localSize: 2, host: "node-b", gpus: 1);
        Assert.That(message, Does.Contain("rank 5 is rank 1 of 2 on node-b, which has 1 CUDA GPU:").And.Contain("mpiexec -ppn 1"));
    }

    [Test]
    public void CreateDevice_Cpu_IsTheCpuAccelerator()
    {
        using Communicator single = Communicator.Single();
        using Device device = single.CreateDevice(DeviceKind.Cpu);
        Assert.That(device.Kind, Is.EqualTo(DeviceKind.Cpu));
    }
}

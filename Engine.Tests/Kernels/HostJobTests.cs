using TorchEbm.Launch;

namespace TorchEbm.Tests.Kernels;

/// <summary>
/// <see cref="HostJob"/>, the allocation-free parallel loop behind the host matrix product: every block runs exactly
/// once per run, run after run on one instance, a block's exception reaches the caller, and a run needs no allocation.
/// </summary>
public sealed class HostJobTests
{
    private sealed class Counting : HostJob
    {
        public int[] Counts = [];
        public int Throwing = -1;

        public void Go(int blocks) => RunBlocks(blocks);

        protected override void Run(int block)
        {
            if (block == Throwing) throw new InvalidOperationException($"block {block}");
            Interlocked.Increment(ref Counts[block]);
        }
    }

    [Test]
    public void EveryBlock_RunsExactlyOnce_RunAfterRun()
    {
        var job = new Counting();
        for (int run = 0; run < 2000; run++)
        {
            int blocks = 1 + run % 9;
            job.Counts = new int[blocks];
            job.Go(blocks);
            Assert.That(job.Counts, Is.All.EqualTo(1), $"run {run}, {blocks} blocks");
        }
    }

    [Test]
    public void ABlocksException_ReachesTheCaller_AndTheNextRunIsWhole()
    {
        var job = new Counting { Counts = new int[6], Throwing = 4 };
        Assert.That(() => job.Go(6), Throws.InvalidOperationException.With.Message.EqualTo("block 4"));
        Assert.That(job.Counts.Where((_, i) => i != 4), Is.All.EqualTo(1), "the other blocks still ran");
        job.Throwing = -1;
        job.Counts = new int[6];
        job.Go(6);
        Assert.That(job.Counts, Is.All.EqualTo(1));
    }

    [Test]
    public void ARun_AllocatesNothing()
    {
        var job = new Counting { Counts = new int[8] };
        for (int run = 0; run < 10; run++) job.Go(8); // first use: the pool's threads and queues
        // Every thread's allocations count (the pool's included); the least of three batches of 100 runs, so a thread the
        // pool injects on a loaded machine does not decide it. The thread pool's queue segments amortise to tens of bytes.
        long perRun = Enumerable.Range(0, 3).Min(_ =>
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int run = 0; run < 100; run++) job.Go(8);
            return (GC.GetTotalAllocatedBytes(precise: true) - before) / 100;
        });
        Assert.That(perRun, Is.LessThan(64), "bytes per run (Parallel.For: about 2 KB)");
    }
}

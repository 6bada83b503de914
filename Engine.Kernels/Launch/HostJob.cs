using System.Runtime.ExceptionServices;

namespace TorchEbm.Launch;

/// <summary>
/// A host loop split into blocks, run on the calling thread and the thread pool without allocating per run (unlike
/// <c>Parallel.For</c>'s closures and loop state): a subclass holds the loop's operands in fields, set before each
/// <see cref="RunBlocks"/>, and is reused run after run (one instance per calling thread).
/// </summary>
/// <remarks>
/// The caller claims blocks too and returns once every block has finished, never waiting for a pool thread that has not
/// started: one that starts late finds no block left (or helps a later run of the same instance, whose operands are set
/// before its blocks are published).
/// </remarks>
internal abstract class HostJob : IThreadPoolWorkItem
{
    private readonly ManualResetEventSlim _finished = new(false);
    private long _state; // (blocks << 32) | next block to claim: one word, so a claim never mixes two runs
    private int _remaining;
    private Exception? _error;

    /// <summary>Runs one block; blocks are independent of each other.</summary>
    protected abstract void Run(int block);

    /// <summary>Runs blocks 0 .. <paramref name="blocks"/> - 1, on up to every core; rethrows the first block's exception.</summary>
    protected void RunBlocks(int blocks)
    {
        if (blocks <= 0) return;
        _error = null;
        _finished.Reset();
        Volatile.Write(ref _remaining, blocks);
        Volatile.Write(ref _state, (long)blocks << 32); // publishes the run: its operands and counts are set above
        try
        {
            for (int helper = Math.Min(blocks, Environment.ProcessorCount) - 1; helper > 0; helper--)
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
        finally
        {
            // Whatever happened while queueing, the caller runs the blocks left and waits for every claimed one, so no
            // helper can still be reading the operands when this returns.
            Execute();
            _finished.Wait();
        }
        if (_error is Exception error) ExceptionDispatchInfo.Throw(error);
    }

    /// <summary>Claims and runs blocks until none is left (the calling thread and each pool helper).</summary>
    public void Execute()
    {
        while (TryClaim(out int block))
        {
            try { Run(block); }
            catch (Exception e) { Interlocked.CompareExchange(ref _error, e, null); }
            if (Interlocked.Decrement(ref _remaining) == 0) _finished.Set();
        }
    }

    private bool TryClaim(out int block)
    {
        while (true)
        {
            long state = Volatile.Read(ref _state);
            block = (int)state;
            if (block >= (int)(state >> 32)) return false;
            if (Interlocked.CompareExchange(ref _state, state + 1, state) == state) return true;
        }
    }
}

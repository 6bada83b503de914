using System.Diagnostics;
using TorchEbm.Training;

namespace TorchEbm.Distributed;

/// <summary>
/// This process's place among the ranks of a run: rank, size, and the local rank on its node (which GPU it uses). Started
/// once per process with <see cref="Start"/>: under <c>mpiexec</c> it initialises MPI (MPI_COMM_WORLD); otherwise it is a
/// single rank that needs no MPI library at all. Disposing it finalises MPI.
/// </summary>
/// <remarks>
/// As an <see cref="IReplicaGroup"/> it is what data-parallel training sums gradients over (one Allreduce per step).
/// Collective calls (<see cref="SumInPlace"/>, <see cref="GatherToRoot"/>, <see cref="Barrier"/>) must be made by every
/// rank in the same order. A rank that fails must not leave the others waiting in a collective: <see cref="Guard"/> catches
/// the exception, reports it and aborts every rank.
/// </remarks>
public sealed class Communicator : IReplicaGroup, IDisposable
{
    /// <summary>Environment variables MPI launchers set in every rank (MPICH's Hydra: PMI_*, Open MPI and PMIx: the others).</summary>
    public static IReadOnlyList<string> LauncherVariables { get; } = ["PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE"];

    /// <summary>How long a rank waits after writing its message before it aborts the run.</summary>
    public static readonly TimeSpan AbortGrace = TimeSpan.FromMilliseconds(500);

    // 0: MPI never started in this process, 1: started (MPI_Init may run once per process, MPI_Finalize once too).
    private static int _mpiStarted;

    private readonly MPI.Environment? _environment;
    private readonly MPI.Intracommunicator? _world;
    private readonly Stopwatch _reduceClock = new();
    private float[] _sum = [];
    private bool _disposed;

    private Communicator(MPI.Environment? environment, MPI.Intracommunicator? world, int rank, int size, int localRank, int localSize, string host)
    {
        _environment = environment;
        _world = world;
        Rank = rank;
        Size = size;
        LocalRank = localRank;
        LocalSize = localSize;
        Host = host;
    }

    /// <summary>Whether this process was started by an MPI launcher (one of <see cref="LauncherVariables"/> is set).</summary>
    public static bool LaunchedByMpi => LauncherVariables.Any(v => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(v)));

    /// <summary>
    /// The communicator of this process: MPI's world when <see cref="LaunchedByMpi"/>, else <see cref="Single"/>.
    /// </summary>
    /// <exception cref="MpiUnavailableException">Launched by MPI, but no MPI library with the MPICH ABI loads (install <c>mpich</c>).</exception>
    /// <exception cref="InvalidOperationException">MPI was already started in this process.</exception>
    public static Communicator Start() => LaunchedByMpi ? StartMpi() : Single();

    /// <summary>Initialises MPI (once per process) and returns MPI_COMM_WORLD's view of this rank, also outside mpiexec (a world of one).</summary>
    /// <exception cref="MpiUnavailableException">No MPI library with the MPICH ABI loads (install <c>mpich</c>).</exception>
    /// <exception cref="InvalidOperationException">MPI was already started in this process (MPI cannot be initialised twice).</exception>
    public static Communicator StartMpi()
    {
        MpiLibrary.Load(); // before the guard: a missing library leaves the process free to try again
        if (Interlocked.Exchange(ref _mpiStarted, 1) != 0)
            throw new InvalidOperationException("MPI has already been started in this process: start one Communicator and pass it around.");
        string[] args = [];
        var environment = new MPI.Environment(ref args);
        MPI.Intracommunicator world = MPI.Communicator.world;
        string host = MPI.Environment.ProcessorName;
        // The local rank is this rank's index among the ranks on the same host: which GPU of the node it takes. Hosts are
        // compared by a 64-bit hash: MPI.NET sends only primitive types natively (others need the removed BinaryFormatter).
        long[] hosts = world.Allgather(HostKey(host));
        int localRank = 0, localSize = 0;
        for (int r = 0; r < hosts.Length; r++)
        {
            if (hosts[r] != HostKey(host)) continue;
            if (r < world.Rank) localRank++;
            localSize++;
        }
        return new Communicator(environment, world, world.Rank, world.Size, localRank, localSize, host);
    }

    /// <summary>FNV-1a hash of a host name.</summary>
    private static long HostKey(string host)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in host) hash = (hash ^ c) * 1099511628211UL;
        return (long)hash;
    }

    /// <summary>A single rank (rank 0 of 1) without MPI: every collective is the identity.</summary>
    public static Communicator Single() => new(null, null, 0, 1, 0, 1, Environment.MachineName);

    /// <summary>This rank's index in [0, <see cref="Size"/>).</summary>
    public int Rank { get; }

    /// <summary>Number of ranks.</summary>
    public int Size { get; }

    /// <summary>This rank's index among the ranks on its host (the GPU it uses).</summary>
    public int LocalRank { get; }

    /// <summary>Number of ranks on this rank's host.</summary>
    public int LocalSize { get; }

    /// <summary>This rank's host (MPI's processor name).</summary>
    public string Host { get; }

    /// <summary>Whether this is rank 0, which writes files and reports.</summary>
    public bool IsRoot => Rank == 0;

    /// <summary>Whether MPI runs underneath (false for <see cref="Single"/>).</summary>
    public bool UsesMpi => _world is not null;

    /// <summary>Time spent in <see cref="SumInPlace"/> (waiting for the other ranks included).</summary>
    public TimeSpan ReduceTime => _reduceClock.Elapsed;

    /// <summary>Number of <see cref="SumInPlace"/> calls.</summary>
    public int ReduceCalls { get; private set; }

    /// <summary>
    /// This rank's device: CUDA GPU number <see cref="LocalRank"/> when <paramref name="kind"/> is Cuda (or Auto and the
    /// node has GPUs, unless TORCHEBM_DEVICE=cpu), else the CPU accelerator.
    /// </summary>
    /// <exception cref="DeviceUnavailableException">A GPU per rank was asked for (Cuda, or Auto on a node with GPUs), but this
    /// node has fewer GPUs than ranks.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed.</exception>
    public Device CreateDevice(DeviceKind kind = DeviceKind.Auto)
    {
        ThrowIfDisposed();
        try { return Device.Create(kind, LocalRank); }
        catch (DeviceUnavailableException e) when (Size > 1) // one process keeps the device's own message
        {
            int gpus = Device.List().Count(d => d.Kind == DeviceKind.Cuda);
            throw new DeviceUnavailableException(GpuShortage(Rank, LocalRank, LocalSize, Host, gpus), e);
        }
    }

    /// <summary>The message for a node with fewer GPUs than ranks that each want one.</summary>
    internal static string GpuShortage(int rank, int localRank, int localSize, string host, int gpus) =>
        $"rank {rank} is rank {localRank} of {localSize} on {host}, which has {gpus} CUDA GPU{(gpus == 1 ? "" : "s")}: every rank needs its own GPU. " +
        $"Start at most {gpus} rank{(gpus == 1 ? "" : "s")} per node (mpiexec -ppn {Math.Max(gpus, 1)}) or use the CPU accelerator (--device cpu).";

    /// <summary>This rank's contiguous share [First, First + Count) of <paramref name="total"/> items split over the ranks in
    /// rank order (sizes differ by at most one).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="total"/> is smaller than <see cref="Size"/>: a rank would get nothing.</exception>
    public (int First, int Count) ShareOf(int total, string? name = null)
    {
        if (total < Size)
            throw new ArgumentOutOfRangeException(name ?? nameof(total), total,
                $"{name ?? nameof(total)} ({total}) is smaller than the {Size} ranks: every rank needs at least one. Run fewer ranks or more items.");
        Losses.BatchShard share = Losses.BatchShard.Of(total, Rank, Size); // the same split as data-parallel batches
        return (share.First, share.Count);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed.</exception>
    public void SumInPlace(float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ThrowIfDisposed();
        ReduceCalls++;
        if (_world is null) return;
        _reduceClock.Start();
        if (_sum.Length != values.Length) _sum = new float[values.Length];
        _world.Allreduce(values, MPI.Operation<float>.Add, ref _sum); // MPI forbids aliased send and receive buffers
        _sum.CopyTo(values, 0);
        _reduceClock.Stop();
    }

    /// <summary>Sum of <paramref name="value"/> over the ranks, on every rank.</summary>
    public double Sum(double value)
    {
        ThrowIfDisposed();
        return _world is null ? value : _world.Allreduce(value, MPI.Operation<double>.Add);
    }

    /// <summary>Whether every rank passed the same <paramref name="value"/> (the answer is the same on every rank).</summary>
    public bool AllEqual(long value)
    {
        ThrowIfDisposed();
        return _world is null || _world.Allreduce(value, MPI.Operation<long>.Min) == _world.Allreduce(value, MPI.Operation<long>.Max);
    }

    /// <summary>
    /// Every rank's <paramref name="local"/> (any lengths), concatenated in rank order on rank 0; null on the other ranks.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="local"/> is null.</exception>
    public float[]? GatherToRoot(float[] local)
    {
        ArgumentNullException.ThrowIfNull(local);
        ThrowIfDisposed();
        if (_world is null) return (float[])local.Clone();
        int[] counts = _world.Allgather(local.Length);
        if (counts.Sum(c => (long)c) > Array.MaxLength)
            throw new ArgumentException($"The ranks' arrays hold {counts.Sum(c => (long)c)} floats in all, more than one array can.", nameof(local));
        float[] all = _world.GatherFlattened(local, counts, 0);
        return IsRoot ? all : null;
    }

    /// <summary>Waits until every rank has called it.</summary>
    public void Barrier()
    {
        ThrowIfDisposed();
        _world?.Barrier();
    }

    /// <summary>
    /// Ends every rank of the run now with <paramref name="exitCode"/> (MPI_Abort): for a rank that failed while the others
    /// may wait for it in a collective. A single rank exits the process.
    /// </summary>
    public void Abort(int exitCode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        // mpiexec tears every rank down at the first abort, dropping output its proxies have not yet forwarded (this
        // rank's message, or another failing rank's): give them a moment first.
        if (Size > 1) Thread.Sleep(AbortGrace);
        if (_world is not null) _world.Abort(exitCode);
        Environment.Exit(exitCode);
    }

    /// <summary>
    /// Runs <paramref name="body"/>; when it throws on a run of several ranks, writes "rank r of n failed: ..." to
    /// <paramref name="error"/> and aborts every rank with exit code 1, so no rank waits forever for a failed one. On a
    /// single rank the exception propagates.
    /// </summary>
    public T Guard<T>(Func<T> body, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(error);
        try { return body(); }
        catch (Exception e) when (Size > 1)
        {
            error.WriteLine($"rank {Rank} of {Size} failed: {e.GetType().Name}: {e.Message}");
            error.Flush();
            Abort(1);
            throw; // not reached
        }
    }

    /// <summary>Finalises MPI (MPI_Finalize); later collectives throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_environment is null) return;
        FreeDerivedDatatypes();
        _environment.Dispose();
    }

    /// <summary>
    /// Frees the derived datatypes MPI.NET commits when it starts (System.Decimal's, and IntPtr's and UIntPtr's where MPI's
    /// long has another size) and never frees: MPICH reports them at MPI_Finalize as "yaksa: 3 leaked handle pool
    /// objects" on every rank. Nothing is sent after this, so MPI.NET's cache of the freed handles is never read again.
    /// </summary>
    private static void FreeDerivedDatatypes()
    {
        foreach (Type type in new[] { typeof(decimal), typeof(IntPtr), typeof(UIntPtr) })
        {
            var datatype = MPI.DatatypeCache.GetDatatype(type);
            if (datatype != MPI.Unsafe.MPI_LONG && datatype != MPI.Unsafe.MPI_UNSIGNED_LONG && datatype != MPI.Unsafe.MPI_DATATYPE_NULL)
                MPI.Unsafe.MPI_Type_free(ref datatype);
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}

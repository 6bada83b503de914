using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using TorchEbm.Launch;

namespace TorchEbm;

/// <summary>
/// An accelerator that owns device memory and runs this engine's kernels: a CUDA GPU, or ILGPU's CPU
/// accelerator where there is none. Create one per process and dispose it last: disposing it frees every
/// tensor allocated on it.
/// </summary>
/// <remarks>Not thread-safe: use a device from one thread at a time.</remarks>
public sealed partial class Device : IDisposable
{
    /// <summary>The environment variable that overrides <see cref="DeviceKind.Auto"/>: <c>cpu</c>, <c>cuda</c> or <c>auto</c>.</summary>
    public const string EnvironmentVariable = "TORCHEBM_DEVICE";

    private readonly Context _context;
    private readonly Dictionary<System.Reflection.MethodInfo, Delegate> _kernels = new();
    private bool _disposed;

    private static int s_created;

    private Device(Context context, Accelerator accelerator, DeviceKind kind, string name)
    {
        Number = Interlocked.Increment(ref s_created);
        _context = context;
        Accelerator = accelerator;
        Kind = kind;
        Name = name;
        if (kind == DeviceKind.Cpu) Pool = new BufferPool();
    }

    /// <summary>Where freed tensors' buffers wait for reuse (the CPU accelerator only; null on a GPU).</summary>
    internal BufferPool? Pool { get; }

    /// <summary>
    /// Creates a device. <see cref="DeviceKind.Auto"/> picks the first CUDA GPU if there is one, else the CPU
    /// accelerator; the environment variable <c>TORCHEBM_DEVICE=cpu|cuda</c> overrides Auto (never an explicit kind).
    /// </summary>
    /// <exception cref="DeviceUnavailableException">CUDA was requested and no CUDA device is present.</exception>
    /// <exception cref="ArgumentException"><c>TORCHEBM_DEVICE</c> or <c>TORCHEBM_CPU_LAYOUT</c> holds an unknown value.</exception>
    public static Device Create(DeviceKind kind = DeviceKind.Auto)
    {
        if (!Enum.IsDefined(kind))
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Expected Auto, Cpu or Cuda.");
        if (kind == DeviceKind.Auto) kind = KindFromEnvironment();

        return Create(kind, LayoutFromEnvironment());
    }

    /// <summary>
    /// As <see cref="Create(DeviceKind)"/>, but a GPU device is CUDA GPU number <paramref name="gpu"/> (0-based) instead of
    /// the first: one process per GPU (e.g. one MPI rank per GPU of a node) passes its index on the node.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gpu"/> is negative.</exception>
    /// <exception cref="DeviceUnavailableException">CUDA was requested (or Auto found GPUs) and the machine has no GPU
    /// number <paramref name="gpu"/>.</exception>
    /// <exception cref="ArgumentException"><c>TORCHEBM_DEVICE</c> or <c>TORCHEBM_CPU_LAYOUT</c> holds an unknown value.</exception>
    public static Device Create(DeviceKind kind, int gpu)
    {
        if (!Enum.IsDefined(kind))
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Expected Auto, Cpu or Cuda.");
        ArgumentOutOfRangeException.ThrowIfNegative(gpu);
        if (kind == DeviceKind.Auto) kind = KindFromEnvironment();
        return Create(kind, LayoutFromEnvironment(), gpu);
    }

    /// <summary>
    /// Creates a CPU-accelerator device that simulates the given layout (threads per warp, warps per
    /// multiprocessor, multiprocessors), for measuring layouts; <see cref="Create(DeviceKind)"/> reads
    /// <c>TORCHEBM_CPU_LAYOUT</c> instead.
    /// </summary>
    /// <exception cref="ArgumentException">The layout is one ILGPU cannot simulate.</exception>
    public static Device CreateCpu(CpuLayout layout)
    {
        try { _ = CpuLayout.Parse(layout.ToString()); }
        catch (FormatException e) { throw new ArgumentException(e.Message, nameof(layout), e); }
        return Create(DeviceKind.Cpu, layout);
    }

    private static Device Create(DeviceKind kind, CpuLayout layout, int gpu = 0)
    {
        Context context = CreateContext(layout);
        try
        {
            int gpus = CudaDeviceCount(context);
            bool hasCuda = gpus > 0;
            if (kind != DeviceKind.Cpu && hasCuda && gpu >= gpus)
                throw new DeviceUnavailableException($"CUDA GPU {gpu} was requested, but this machine has {gpus} (numbered from 0).");
            if (kind == DeviceKind.Cuda && !hasCuda)
                throw new DeviceUnavailableException(
                    "No CUDA device was found (no NVIDIA GPU, or no CUDA driver). " +
                    "Use Device.Create(DeviceKind.Cpu) or DeviceKind.Auto, or set TORCHEBM_DEVICE=cpu, to run on the CPU accelerator.");
            if (kind == DeviceKind.Auto) kind = hasCuda ? DeviceKind.Cuda : DeviceKind.Cpu;

            if (kind == DeviceKind.Cuda)
            {
                Accelerator accelerator = context.CreateCudaAccelerator(gpu);
                return new Device(context, accelerator, DeviceKind.Cuda, accelerator.Name);
            }
            Accelerator cpu = context.CreateCPUAccelerator(0, CPUAcceleratorMode.Parallel);
            return new Device(context, cpu, DeviceKind.Cpu, $"CPU accelerator (layout {layout})");
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>Every accelerator this machine offers: the CPU accelerator first, then each CUDA GPU.</summary>
    /// <exception cref="ArgumentException"><c>TORCHEBM_CPU_LAYOUT</c> holds a malformed value.</exception>
    public static IReadOnlyList<DeviceInfo> List()
    {
        using Context context = CreateContext(LayoutFromEnvironment());
        var list = new List<DeviceInfo>();
        foreach (ILGPU.Runtime.Device d in context)
        {
            DeviceKind kind = d.AcceleratorType switch
            {
                AcceleratorType.CPU => DeviceKind.Cpu,
                AcceleratorType.Cuda => DeviceKind.Cuda,
                _ => DeviceKind.Auto,
            };
            if (kind == DeviceKind.Auto) continue;
            // ILGPU reports an unbounded size for the CPU accelerator; what it can use is the host's memory.
            long memory = kind == DeviceKind.Cpu ? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes : d.MemorySize;
            list.Add(new DeviceInfo(kind, d.Name, memory, d.NumMultiprocessors, d.MaxNumThreadsPerGroup));
        }
        return list;
    }

    /// <summary>CPU accelerator or CUDA GPU (never <see cref="DeviceKind.Auto"/>).</summary>
    public DeviceKind Kind { get; }

    /// <summary>A readable name: the GPU's name, or the CPU accelerator and its layout.</summary>
    public string Name { get; }

    /// <summary>The underlying ILGPU accelerator: an escape hatch for code that launches its own kernels.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>Whether <see cref="Dispose"/> has run.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>Waits until every kernel and copy queued on this device has finished.</summary>
    public void Synchronize()
    {
        ThrowIfDisposed();
        Accelerator.Synchronize();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Kind} device #{Number}: {Name}";

    /// <summary>
    /// Tensors allocated on this device and not yet disposed: a leak check for code that must free what it allocates
    /// (tensors left to the garbage collector count until disposed).
    /// </summary>
    public int LiveTensors => Volatile.Read(ref LiveTensorCount);

    internal int LiveTensorCount;

    /// <summary>Which device this is among those created in this process (1, 2, ...), so messages tell two devices apart.</summary>
    public int Number { get; }

    /// <summary>Frees the accelerator, every tensor still allocated on it, and its compiled kernels.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _kernels.Clear();
        Pool?.Clear();
        Accelerator.Dispose();
        _context.Dispose();
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>The layout <c>TORCHEBM_CPU_LAYOUT</c> asks for; a malformed value is an <see cref="ArgumentException"/>.</summary>
    private static CpuLayout LayoutFromEnvironment()
    {
        try { return CpuLayout.FromEnvironment(); }
        catch (FormatException e) { throw new ArgumentException(e.Message, CpuLayout.EnvironmentVariable, e); }
    }

    private static Context CreateContext(CpuLayout layout) =>
        Context.Create(builder => builder.CPU(layout.ToDevice()).Cuda().EnableAlgorithms());

    private static int CudaDeviceCount(Context context)
    {
        try { return context.GetCudaDevices().Count; }
        catch (Exception) { return 0; } // no driver library: treated as no GPU
    }

    private static DeviceKind KindFromEnvironment()
    {
        string? text = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return text?.Trim().ToLowerInvariant() switch
        {
            null or "" or "auto" => DeviceKind.Auto,
            "cpu" => DeviceKind.Cpu,
            "cuda" or "gpu" => DeviceKind.Cuda,
            _ => throw new ArgumentException(
                $"{EnvironmentVariable} must be 'cpu', 'cuda' or 'auto', got '{text}'.", EnvironmentVariable),
        };
    }
}

using ILGPU.Runtime.CPU;

namespace TorchEbm.Launch;

/// <summary>
/// How the CPU accelerator simulates a GPU: threads per warp, warps per multiprocessor, multiprocessors.
/// Each simulated thread is an OS thread, so the product of the three is the number of threads a launch uses.
/// </summary>
/// <remarks>
/// <para>Default: one multiprocessor per core, one warp of two threads (ILGPU's minimum), i.e. two OS threads
/// per core. Override with <c>TORCHEBM_CPU_LAYOUT=threadsPerWarp,warpsPerMultiprocessor,multiprocessors</c>.</para>
/// <para>Measured on the 2-core CI machine (<c>dotnet run -c Release --project Engine.Bench -- cpu-layout 21</c>,
/// 16M-float Philox normal fill, ratio = Parallel.For time / kernel time, same run): every layout of 2-8 threads
/// ran at 0.8-1.2x of Parallel.For and 16-128 threads at 0.78-0.88x; the differences between 2,1,1 / 2,1,2 /
/// 4,1,2 (1.19 / 1.16 / 1.13 in one run, 0.95 / 0.92 / 0.81 in another) are within this machine's noise, so
/// the default keeps threads close to cores while giving every core its own group. What mattered was the
/// kernel, not the layout: reading the grid stride once per kernel instead of once per iteration took the fill
/// from 0.2x to ~1x of Parallel.For (see <see cref="GridStride.Stride"/>).</para>
/// </remarks>
public readonly record struct CpuLayout(int ThreadsPerWarp, int WarpsPerMultiprocessor, int Multiprocessors)
{
    /// <summary>The environment variable that overrides the default layout.</summary>
    public const string EnvironmentVariable = "TORCHEBM_CPU_LAYOUT";

    /// <summary>Threads per simulated warp in the default layout.</summary>
    public const int DefaultThreadsPerWarp = 2;

    /// <summary>Largest simulated warp accepted.</summary>
    public const int MaxThreadsPerWarp = 64;

    /// <summary>Largest simulated group (threads per warp times warps per multiprocessor) accepted.</summary>
    public const int MaxThreadsPerGroup = 1024;

    /// <summary>Most simulated multiprocessors accepted.</summary>
    public const int MaxMultiprocessors = 1024;

    /// <summary>The layout used when <see cref="EnvironmentVariable"/> is unset.</summary>
    public static CpuLayout Default => new(DefaultThreadsPerWarp, 1, Environment.ProcessorCount);

    /// <summary>The ILGPU device description for this layout.</summary>
    public CPUDevice ToDevice() => new(ThreadsPerWarp, WarpsPerMultiprocessor, Multiprocessors);

    /// <summary>The layout from <see cref="EnvironmentVariable"/>, or <see cref="Default"/> when it is unset.</summary>
    public static CpuLayout FromEnvironment()
    {
        string? text = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return string.IsNullOrWhiteSpace(text) ? Default : Parse(text);
    }

    /// <summary>Parses <c>threadsPerWarp,warpsPerMultiprocessor,multiprocessors</c>, e.g. <c>4,1,2</c>.</summary>
    public static CpuLayout Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new int[3];
        bool valid = parts.Length == 3 && parts.Select((p, i) => int.TryParse(p, out values[i])).All(ok => ok);
        // ILGPU's CPU accelerator needs at least two threads per warp and a power-of-two number of warps; every simulated
        // thread is an OS thread, so the upper bounds keep a layout to what a host can start (and the products within an int).
        if (!valid || values[0] is < 2 or > MaxThreadsPerWarp || values[1] < 1 || !int.IsPow2(values[1])
            || (long)values[0] * values[1] > MaxThreadsPerGroup || values[2] is < 1 or > MaxMultiprocessors)
            throw new FormatException(
                $"{EnvironmentVariable} must be 'threadsPerWarp,warpsPerMultiprocessor,multiprocessors' with threadsPerWarp in " +
                $"[2, {MaxThreadsPerWarp}], warpsPerMultiprocessor a power of two, threadsPerWarp * warpsPerMultiprocessor <= " +
                $"{MaxThreadsPerGroup} and multiprocessors in [1, {MaxMultiprocessors}], got '{text}'.");
        return new CpuLayout(values[0], values[1], values[2]);
    }

    /// <inheritdoc />
    public override string ToString() => $"{ThreadsPerWarp},{WarpsPerMultiprocessor},{Multiprocessors}";
}

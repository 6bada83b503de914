namespace TorchEbm;

/// <summary>One accelerator this machine offers, as listed by <see cref="Device.List"/>.</summary>
/// <param name="Kind">CPU accelerator or CUDA GPU.</param>
/// <param name="Name">The accelerator's name as ILGPU reports it.</param>
/// <param name="MemoryBytes">Device memory in bytes (host memory for the CPU accelerator).</param>
/// <param name="Multiprocessors">Streaming multiprocessors (simulated ones on the CPU accelerator).</param>
/// <param name="MaxThreadsPerGroup">The largest thread group a kernel launch may use.</param>
public sealed record DeviceInfo(DeviceKind Kind, string Name, long MemoryBytes, int Multiprocessors, int MaxThreadsPerGroup)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Kind}: {Name}, {MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB, {Multiprocessors} multiprocessors, {MaxThreadsPerGroup} threads/group";
}

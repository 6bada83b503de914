using BenchmarkDotNet.Attributes;
using TorchEbm.Fill;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Bench.Fill;

/// <summary>16M standard normals: the device kernel (CPU accelerator, or the GPU where present) vs a Parallel.For loop.</summary>
[MemoryDiagnoser(false)]
public class NormalFillBenchmarks
{
    public const int Count = 16 * 1024 * 1024;

    private Device _device = null!;
    private Tensor _tensor = null!;
    private float[] _host = null!;

    [GlobalSetup]
    public void Setup()
    {
        _device = Device.Create();
        _tensor = _device.Zeros(Count);
        _host = new float[Count];
        DeviceFill(); // compile the kernel outside the measurement
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tensor.Dispose();
        _device.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Parallel.For Philox fill (host)")]
    public void HostFill() => HostPhiloxFill.Normal(_host, seed: 1, stream: 2);

    [Benchmark(Description = "FillKernels.Normal on Device.Create()")]
    public void DeviceFill()
    {
        _device.Launch(FillKernels.Normal, FillKernels.BlocksFor(Count), _tensor.View, Philox4x32.FromSeed(1), 2u);
        _device.Synchronize();
    }
}

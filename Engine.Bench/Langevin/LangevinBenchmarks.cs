using BenchmarkDotNet.Attributes;
using TorchEbm.Models;

namespace TorchEbm.Bench.Langevin;

/// <summary>Fused Langevin on Device.Create(): W1 (2-D Gaussian) and W2 (128-D double well) of DESIGN.md.</summary>
public class LangevinBenchmarks
{
    private Device _device = null!;
    private GaussianModel _gaussian = null!;
    private DoubleWellModel _doubleWell = null!;

    [GlobalSetup]
    public void Setup()
    {
        _device = Device.Create();
        _gaussian = LangevinWorkloads.W1Model(_device);
        _doubleWell = LangevinWorkloads.W2Model(_device);
        W1(); // compile the kernels outside the measurement
        W2();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _gaussian.Dispose();
        _doubleWell.Dispose();
        _device.Dispose();
    }

    [Benchmark(Description = "W1 Gaussian 2-D, 4096 chains x 1000 steps")]
    public void W1() => LangevinWorkloads.RunW1(_gaussian);

    [Benchmark(Description = "W2 double well 128-D, 1024 chains x 200 steps")]
    public void W2() => LangevinWorkloads.RunW2(_doubleWell);
}

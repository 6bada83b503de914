using BenchmarkDotNet.Attributes;
using TorchEbm.Models;

namespace TorchEbm.Bench.Langevin;

/// <summary>
/// Fused chains on Device.Create(): Langevin W1 (2-D Gaussian) and W2 (128-D double well) of DESIGN.md, HMC W5 and MALA
/// W6 on W2's double well.
/// </summary>
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
        W5();
        W6();
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

    [Benchmark(Description = "W5 HMC double well 128-D, 1024 chains x 200 x 10 leapfrog")]
    public float W5() => LangevinWorkloads.RunW5(_doubleWell);

    [Benchmark(Description = "W6 MALA double well 128-D, 1024 chains x 2000 steps")]
    public float W6() => LangevinWorkloads.RunW6(_doubleWell);
}

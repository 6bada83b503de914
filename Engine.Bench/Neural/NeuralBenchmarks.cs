using BenchmarkDotNet.Attributes;
using TorchEbm.Autodiff;
using TorchEbm.Models;

namespace TorchEbm.Bench.Neural;

/// <summary>W3 (Langevin on an MLP 2-128-128-1 energy) and one forward + backward pass of that MLP, on Device.Create().</summary>
public class NeuralBenchmarks
{
    private Device _device = null!;
    private NeuralNetworkModel _model = null!;
    private Var _batch = null!;

    [GlobalSetup]
    public void Setup()
    {
        _device = Device.Create();
        _model = NeuralWorkloads.Model(_device);
        _batch = new Var(_device.Randn(NeuralWorkloads.Batch, NeuralWorkloads.Dim, seed: 7));
        W3(); // compile the kernels outside the measurement
        ForwardBackward();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _batch.Dispose();
        _model.Dispose();
        _device.Dispose();
    }

    [Benchmark(Description = "W3 MLP 2-128-128-1 energy, 1024 chains x 100 steps")]
    public void W3() => NeuralWorkloads.RunW3(_model);

    [Benchmark(Description = "MLP 2-128-128-1 forward + backward, batch 1024")]
    public void ForwardBackward() => NeuralWorkloads.RunForwardBackward(_model, _batch);
}

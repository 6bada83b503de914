using BenchmarkDotNet.Attributes;
using TorchEbm.Autodiff;
using TorchEbm.Bench.Neural;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;

namespace TorchEbm.Bench.Training;

/// <summary>
/// Managed bytes allocated per training iteration (BenchmarkDotNet's MemoryDiagnoser, every thread counted): one
/// iteration of each loss with Adam on the MLP 2-128-128-1 (SiLU) of the throughput runner, CD-10 at W4's batch of 256
/// and the score-matching losses at the score-matching comparison's sizes, plus one W3 Langevin run for the sampler
/// alone and the tape alone (the network's energies forward and backward: 10 op nodes). Each loss runs twice: as users
/// get it, replaying its kept graph after the first call (<see cref="BaseLoss.ReplayGraph"/>), and recording every call
/// (ReplayGraph off), so one run gives both. Run:
/// <c>Engine.Bench --filter *TrainingAllocation* --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class TrainingAllocationBenchmarks
{
    private Device _device = null!;
    private NeuralNetworkModel _model = null!, _model16 = null!;
    private Adam _adam = null!, _adam16 = null!;
    private ContrastiveDivergence _cd = null!, _cdRecorded = null!;
    private BaseLoss _dsm = null!, _ssm = null!, _sm = null!, _dsmRecorded = null!, _ssmRecorded = null!, _smRecorded = null!;
    private Tensor _data256 = null!, _data1024 = null!, _data16 = null!;

    [GlobalSetup]
    public void Setup()
    {
        _device = Device.Create();
        _model = NeuralWorkloads.Model(_device);
        _model16 = new NeuralNetworkModel(new MLP(_device, 16, [128, 128], 1, Activation.SiLU, seed: 0));
        (_cd, _adam) = NeuralWorkloads.W4Setup(_model);
        _adam16 = new Adam(_model16.Parameters(), lr: 1e-3f);
        _dsm = new DenoisingScoreMatching(0.1f) { CheckFinite = false };
        _ssm = new SlicedScoreMatching() { CheckFinite = false };
        _sm = new ScoreMatching() { CheckFinite = false };
        (_cdRecorded, Adam unused) = NeuralWorkloads.W4Setup(_model);
        unused.Dispose();
        _cdRecorded.ReplayGraph = false;
        _dsmRecorded = new DenoisingScoreMatching(0.1f) { CheckFinite = false, ReplayGraph = false };
        _ssmRecorded = new SlicedScoreMatching() { CheckFinite = false, ReplayGraph = false };
        _smRecorded = new ScoreMatching() { CheckFinite = false, ReplayGraph = false };
        _data256 = _device.Randn(NeuralWorkloads.W4Batch, NeuralWorkloads.Dim, seed: 8);
        _data1024 = _device.Randn(1024, NeuralWorkloads.Dim, seed: 1);
        _data16 = _device.Randn(128, 16, seed: 1);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (IDisposable d in new IDisposable[] { _data16, _data1024, _data256, _smRecorded, _ssmRecorded, _dsmRecorded, _cdRecorded, _sm, _ssm, _dsm, _adam16, _adam, _cd, _model16, _model, _device })
            d.Dispose();
    }

    [Benchmark(Description = "CD-10 iteration, batch 256")]
    public void ContrastiveDivergence() => Iteration(_cd, _model, _adam, _data256);

    [Benchmark(Description = "DSM iteration, batch 1024")]
    public void Denoising() => Iteration(_dsm, _model, _adam, _data1024);

    [Benchmark(Description = "SSM iteration, batch 1024")]
    public void Sliced() => Iteration(_ssm, _model, _adam, _data1024);

    [Benchmark(Description = "exact SM iteration, d 16, batch 128")]
    public void Exact() => Iteration(_sm, _model16, _adam16, _data16);

    [Benchmark(Description = "CD-10 iteration, batch 256, recorded every call")]
    public void ContrastiveDivergenceRecorded() => Iteration(_cdRecorded, _model, _adam, _data256);

    [Benchmark(Description = "DSM iteration, batch 1024, recorded every call")]
    public void DenoisingRecorded() => Iteration(_dsmRecorded, _model, _adam, _data1024);

    [Benchmark(Description = "SSM iteration, batch 1024, recorded every call")]
    public void SlicedRecorded() => Iteration(_ssmRecorded, _model, _adam, _data1024);

    [Benchmark(Description = "exact SM iteration, d 16, batch 128, recorded every call")]
    public void ExactRecorded() => Iteration(_smRecorded, _model16, _adam16, _data16);

    [Benchmark(Description = "tape: MLP energies forward and backward, batch 256")]
    public void Tape()
    {
        _adam.ZeroGrad();
        using Var input = Var.Borrowed(_data256);
        using Var total = _model.Energies(input).Sum();
        total.Backward();
        _model.Device.Synchronize();
    }

    [Benchmark(Description = "W3 Langevin, 1024 chains x 100 steps")]
    public void Langevin() => NeuralWorkloads.RunW3(_model);

    private static void Iteration(BaseLoss loss, NeuralNetworkModel model, Adam adam, Tensor data)
    {
        adam.ZeroGrad();
        using Var value = loss.Compute(model, data);
        value.Backward();
        adam.Step();
        model.Device.Synchronize();
    }
}

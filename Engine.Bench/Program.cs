using BenchmarkDotNet.Running;
using TorchEbm.Bench.Langevin;
using TorchEbm.Bench.Layout;
using TorchEbm.Launch;

// `cpu-layout [repetitions] [layout ...]`: sweep CPU-accelerator layouts (e.g. `cpu-layout 15 2,1,1 4,1,2`);
// `langevin [repetitions]`: W1-W6 throughput on Device.Create() (no Python); `compare [repetitions]`: the same beside PyTorch;
// `pcd [steps]`: persistent CD against CD-k from the data, MMD^2 of the trained models' samples;
// `quick-start [key=value ...]`: the README's Quick start recipe on the eight data sets, samples near the data and MMD^2;
// `long-run [key=value ...]`: `torchebm train`'s defaults on the eight data sets, samples scored at 200 steps, at the
// training chains' life and at ten times it (docs/articles/training.md's table);
// `scope-memory [iterations]`: an undisposed-tensor loop with and without a DisposeScope, memory side by side;
// `tape-energy [repetitions]`: Langevin on Rosenbrock written in tape ops beside the built-in fused model;
// `create-graph [repetitions]`: an MLP's input gradient on the tape with and without createGraph;
// `score-matching [repetitions]`: DSM, SSM and exact SM training iterations beside PyTorch;
// `posteriordb [--step-by-step] [posterior ...]`: the posteriordb conformance suite's posteriors, min bulk-ESS per second and per 1000
// gradients beside Stan (rstan, where installed);
// `matmul [repetitions]`: GFLOP/s of the ILGPU matrix-product kernel and the host SIMD product on the CPU accelerator;
// anything else goes to BenchmarkDotNet (e.g. `--job short --filter *NormalFill*`, or `--list flat`).
if (args.Length > 0 && args[0] == "cpu-layout")
{
    int repetitions = args.Length > 1 ? int.Parse(args[1]) : 7;
    CpuLayout[]? layouts = args.Length > 2 ? args[2..].Select(CpuLayout.Parse).ToArray() : null;
    return CpuLayoutSweep.Run(repetitions, layouts);
}

if (args.Length > 0 && args[0] == "langevin")
    return ThroughputRunner.Run(args.Length > 1 ? int.Parse(args[1]) : 5);

if (args.Length > 0 && args[0] == "pcd")
    return TorchEbm.Bench.Training.PersistenceComparison.Run(args.Length > 1 ? int.Parse(args[1]) : 500);

if (args.Length > 0 && args[0] == "quick-start")
    return TorchEbm.Bench.Training.QuickStartSweep.Run(args[1..]);

if (args.Length > 0 && args[0] == "long-run")
    return TorchEbm.Bench.Training.LongRunTable.Run(args[1..]);

if (args.Length > 0 && args[0] == "replay-timing")
    return TorchEbm.Bench.Training.ReplayTiming.Run(args.Length > 1 ? int.Parse(args[1]) : 9);

if (args.Length > 0 && args[0] == "scope-memory")
    return TorchEbm.Bench.Memory.ScopeMemory.Run(args.Length > 1 ? int.Parse(args[1]) : 600);

if (args.Length > 0 && args[0] == "tape-energy")
    return TorchEbm.Bench.Tape.TapeEnergyComparison.Run(args.Length > 1 ? int.Parse(args[1]) : 5);

if (args.Length > 0 && args[0] == "create-graph")
    return TorchEbm.Bench.Tape.CreateGraphCost.Run(args.Length > 1 ? int.Parse(args[1]) : 5);

if (args.Length > 0 && args[0] == "score-matching")
    return TorchEbm.Bench.Losses.ScoreMatchingComparison.Run(args.Length > 1 ? int.Parse(args[1]) : 3);
if (args.Length > 0 && args[0] == "matmul")
    return TorchEbm.Bench.LinearAlgebra.MatMulThroughput.Run(args.Length > 1 ? int.Parse(args[1]) : 7);

if (args.Length > 0 && args[0] == "posteriordb")
    return TorchEbm.Bench.Posteriors.PosteriorDbComparison.Run(args[1..]);

if (args.Length > 0 && args[0] == "compare")
    return TorchComparison.Run(args.Length > 1 ? int.Parse(args[1]) : 5);

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

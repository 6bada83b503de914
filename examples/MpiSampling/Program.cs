// Sharded sampling over MPI: every rank runs its block of the chains, rank 0 gathers them in chain order. The result is
// bit-identical to one process with the same seed, on any number of ranks.
//   mpiexec -n 2 dotnet examples/MpiSampling/bin/Release/net10.0/MpiSampling.dll [chains]   (default 4096; CI passes 256)
//   dotnet run -c Release --project examples/MpiSampling -- [chains]                          (one process, no MPI needed)
using TorchEbm;
using TorchEbm.Distributed;
using TorchEbm.Models;
using TorchEbm.Samplers;

int chains = args.Length > 0 ? int.Parse(args[0]) : 4096;

// <shard>
using Communicator communicator = Communicator.Start();     // MPI under mpiexec, one rank otherwise
using Device device = communicator.CreateDevice();           // GPU number LocalRank when there are GPUs, else the CPU
using var model = new DoubleWellModel(device);
var hmc = new HamiltonianMonteCarlo(model, stepSize: 0.05f, nLeapfrogSteps: 10, seed: 11);
GatheredChains run = ShardedSampling.SampleChain(communicator, hmc, dim: 8, nSteps: 200, nSamples: chains,
    options: new SampleOptions { Seed = 11 });
// </shard>

(int first, int count) = communicator.ShareOf(chains);
Console.WriteLine($"rank {communicator.Rank} of {communicator.Size} on {communicator.Host}: chains {first}..{first + count - 1}");
if (run.IsRoot)
    Console.WriteLine($"rank 0 gathered {run.Chains} chains x {run.Dim} dims; mean acceptance {run.MeanAcceptance:F3}, " +
        $"divergences {run.Divergences}; first sample x1 = {run.Samples![0]:F4}");

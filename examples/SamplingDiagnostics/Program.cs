// Sample an analytic model with HMC and NUTS, then read the diagnostics: acceptance, divergences, ESS, R-hat, MCSE and
// the warnings Stan would print.
//   dotnet run -c Release --project examples/SamplingDiagnostics -- [draws]      (default 1000; CI passes 200)
using TorchEbm;
using TorchEbm.Diagnostics;
using TorchEbm.Models;
using TorchEbm.Samplers;

int draws = args.Length > 0 ? int.Parse(args[0]) : 1000;

using var device = Device.Create();
// A correlated 2-D Gaussian: mean (1, -1), covariance [[1, 0.5], [0.5, 2]].
using var model = new GaussianModel(device, mean: new float[] { 1, -1 }, cov: new float[,] { { 1, 0.5f }, { 0.5f, 2 } });

// <hmc>
var hmc = new HamiltonianMonteCarlo(model, stepSize: 0.1f, nLeapfrogSteps: 10, seed: 7);
using ChainResult hmcRun = hmc.SampleChain(dim: 2, nSteps: draws, nSamples: 16,
    options: new SampleOptions { WarmupSteps = draws / 2, ReturnTrajectory = true });
Console.WriteLine($"HMC:  acceptance {hmcRun.Info!.MeanAcceptance:F2}, divergences {hmcRun.Info.Divergences}");
// </hmc>
Report(hmcRun);

// <nuts>
var nuts = new NoUTurnSampler(model, stepSize: 0.1f, maxTreeDepth: 10, seed: 7);
using ChainResult nutsRun = nuts.SampleChain(dim: 2, nSteps: draws, nSamples: 16,
    options: new SampleOptions { WarmupSteps = draws / 2, ReturnTrajectory = true });
float[] depths = nutsRun.Info!.TreeDepth!.ToArray();   // (draws, 16): one tree depth per draw
Console.WriteLine($"NUTS: acceptance {nutsRun.Info.MeanAcceptance:F2}, divergences {nutsRun.Info.Divergences}, deepest tree {depths.Max()}");
// </nuts>
Report(nutsRun);

// <diagnostics>
static void Report(ChainResult run)
{
    float[] ess = ChainStatistics.EffectiveSampleSize(run.Trajectory!);       // bulk-ESS per dimension
    float[] tailEss = ChainStatistics.TailEffectiveSampleSize(run.Trajectory!);
    float[] rHat = ChainStatistics.SplitRHat(run.Trajectory!);                // near 1 when the chains agree
    float[] mcse = ChainStatistics.MonteCarloStandardError(run.Trajectory!);  // standard error of each mean
    for (int i = 0; i < ess.Length; i++)
        Console.WriteLine($"  x{i + 1}: bulk-ESS {ess[i]:F0}, tail-ESS {tailEss[i]:F0}, R-hat {rHat[i]:F3}, MCSE {mcse[i]:F3}");
    foreach (SamplingWarning warning in run.Warnings) Console.WriteLine($"  warning: {warning.Message}");
    if (run.Warnings.Count == 0) Console.WriteLine("  no warnings");
}
// </diagnostics>

using TorchEbm.Samplers;

namespace TorchEbm.Tests.Posteriors;

/// <summary>The constrained draws of one run of the suite's sampler on a posterior, with its cost.</summary>
/// <param name="Quantities">The quantities' names (the model's <see cref="PosteriorModel.Quantities"/>).</param>
/// <param name="Draws">Draws indexed [draw, chain, quantity], warm-up excluded.</param>
/// <param name="GradientEvaluations">Energy-gradient evaluations over all chains in the sampling phase (leapfrog steps, as Stan's n_leapfrog__).</param>
/// <param name="Seconds">Wall-clock time of the run (warm-up and sampling).</param>
/// <param name="Divergences">Divergent transitions after warm-up, over all chains.</param>
/// <param name="Warnings">What the run warned of (<see cref="ChainResult.Warnings"/>), as a user would read them.</param>
public sealed record PosteriorRun(IReadOnlyList<string> Quantities, double[,,] Draws, long GradientEvaluations, double Seconds, int Divergences,
    IReadOnlyList<SamplingWarning> Warnings);

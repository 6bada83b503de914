namespace TorchEbm.Samplers;

/// <summary>
/// How a <see cref="ChainResult"/> was made, for the comment header of <see cref="ChainResult.WriteStanCsv"/> and for
/// the warnings that need a sampler setting (NUTS's maximum tree depth).
/// </summary>
/// <param name="Sampler">The sampler's type name (HamiltonianMonteCarlo, MetropolisAdjustedLangevin, ...).</param>
/// <param name="WarmupSteps">Warm-up steps before the returned ones.</param>
/// <param name="Steps">Returned steps (before thinning).</param>
/// <param name="Thin">Every Thin-th step was kept.</param>
/// <param name="Seed">The Philox seed of the call.</param>
/// <param name="MaxTreeDepth">NUTS: the sampler's maximum tree depth (the tree-depth warning needs it); null otherwise.</param>
internal sealed record ChainRunSettings(string Sampler, int WarmupSteps, int Steps, int Thin, long Seed, int? MaxTreeDepth = null);

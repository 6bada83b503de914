namespace TorchEbm.Samplers;

/// <summary>A validated call: steps firstStep .. firstStep + Steps - 1 of Chains chains, after the options' warm-up; with
/// <paramref name="Tempering"/>, the chains are the replicas of parallel tempering (see <see cref="TemperingPlan"/>); with
/// <paramref name="Workspace"/>, the run's working memory is the caller's, kept between runs (samples-only runs).</summary>
internal sealed record ChainRequest(int Dim, int Steps, int Chains, SampleOptions Options, int FirstStep, TemperingPlan? Tempering = null,
    ChainWorkspace? Workspace = null);

namespace TorchEbm.Samplers;

/// <summary>A validated call: steps firstStep .. firstStep + Steps - 1 of Chains chains, after the options' warm-up; with
/// <paramref name="Tempering"/>, the chains are the replicas of parallel tempering (see <see cref="TemperingPlan"/>).</summary>
internal sealed record ChainRequest(int Dim, int Steps, int Chains, SampleOptions Options, int FirstStep, TemperingPlan? Tempering = null);

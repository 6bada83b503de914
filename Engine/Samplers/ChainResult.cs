namespace TorchEbm.Samplers;

/// <summary>What <see cref="Sampler.SampleChain"/> returns; disposing it frees every tensor it holds.</summary>
public sealed class ChainResult : IDisposable
{
    internal ChainResult(Tensor samples, Tensor? trajectory, ChainDiagnostics? diagnostics)
    {
        Samples = samples;
        Trajectory = trajectory;
        Diagnostics = diagnostics;
    }

    /// <summary>Final states, shape (nSamples, dim).</summary>
    public Tensor Samples { get; }

    /// <summary>Kept states, shape (nSteps / thin, nSamples, dim), or null when not requested.</summary>
    public Tensor? Trajectory { get; }

    /// <summary>Per-kept-step diagnostics, or null when not requested.</summary>
    public ChainDiagnostics? Diagnostics { get; }

    /// <summary>Frees the trajectory and diagnostics and hands the samples to the caller (no copy).</summary>
    internal Tensor TakeSamples()
    {
        Trajectory?.Dispose();
        Diagnostics?.Dispose();
        return Samples;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Samples.Dispose();
        Trajectory?.Dispose();
        Diagnostics?.Dispose();
    }
}

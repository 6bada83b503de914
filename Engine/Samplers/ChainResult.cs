using TorchEbm.Kernels.Samplers;
using TorchEbm.Reductions;

namespace TorchEbm.Samplers;

/// <summary>What <see cref="Sampler.SampleChain"/> returns; disposing it frees every tensor it holds.</summary>
public sealed class ChainResult : IDisposable
{
    internal ChainResult(Tensor samples, Tensor? trajectory, ChainDiagnostics? diagnostics, ChainInfo? info = null)
    {
        Samples = samples;
        Trajectory = trajectory;
        Diagnostics = diagnostics;
        Info = info;
    }

    /// <summary>Final states, shape (nSamples, dim).</summary>
    public Tensor Samples { get; }

    /// <summary>Kept states, shape (nSteps / thin, nSamples, dim), or null when not requested.</summary>
    public Tensor? Trajectory { get; }

    /// <summary>Per-kept-step diagnostics, or null when not requested.</summary>
    public ChainDiagnostics? Diagnostics { get; }

    /// <summary>Acceptance rates, divergences and step sizes of a Metropolis sampler (MALA, HMC); null for unadjusted Langevin.</summary>
    public ChainInfo? Info { get; }

    /// <summary>
    /// How many chains ended with a NaN or infinite coordinate in <see cref="Samples"/>: counted on the device when first
    /// read (one host synchronisation then; none if never read), and cached.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The samples have been disposed.</exception>
    public int NonFiniteChains => _nonFiniteChains ??= CountNonFiniteRows(Samples);

    private int? _nonFiniteChains;

    private static int CountNonFiniteRows(Tensor x)
    {
        ObjectDisposedException.ThrowIf(x.IsDisposed, x);
        using Tensor flags = x.Device.Allocate([x.Dim(0)]);
        x.Device.Launch(DiagnosticsKernels.NonFiniteRows, x.Dim(0), x.View, flags.View, x.Dim(1));
        using Tensor count = Reduce.Sum(flags);
        return (int)count.ToArray()[0];
    }

    /// <summary>Frees the trajectory, diagnostics and info and hands the samples to the caller (no copy).</summary>
    internal Tensor TakeSamples()
    {
        Trajectory?.Dispose();
        Diagnostics?.Dispose();
        Info?.Dispose();
        return Samples;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Samples.Dispose();
        Trajectory?.Dispose();
        Diagnostics?.Dispose();
        Info?.Dispose();
    }
}

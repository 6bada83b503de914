namespace TorchEbm.Samplers;

/// <summary>Per kept step of a chain run: statistics over the chains, computed on the device in a fixed order.</summary>
public sealed class ChainDiagnostics : IDisposable
{
    internal ChainDiagnostics(Tensor meanEnergy, Tensor mean, Tensor variance)
    {
        MeanEnergy = meanEnergy;
        Mean = mean;
        Variance = variance;
    }

    /// <summary>Mean energy over chains, shape (kept).</summary>
    public Tensor MeanEnergy { get; }

    /// <summary>Per-dimension mean over chains, shape (kept, dim).</summary>
    public Tensor Mean { get; }

    /// <summary>Per-dimension variance over chains (divided by n, the population variance), shape (kept, dim).</summary>
    public Tensor Variance { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        MeanEnergy.Dispose();
        Mean.Dispose();
        Variance.Dispose();
    }
}

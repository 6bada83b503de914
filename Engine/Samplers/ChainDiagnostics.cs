using System.Globalization;

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

    /// <summary>
    /// The values in one line: the number of kept steps and dimensions, then the mean energy, mean and variance over the
    /// chains at the first and last kept step (the first four dimensions), e.g. <c>ChainDiagnostics: 1000 kept steps, dim 2;
    /// first: mean energy 3.1, mean [1.2, -0.4], variance [0.1, 0.2]; last: ...</c>; copies the tensors to the host.
    /// </summary>
    public override string ToString()
    {
        if (MeanEnergy.IsDisposed) return "ChainDiagnostics (disposed)";
        int kept = Mean.Dim(0), dim = Mean.Dim(1);
        if (kept == 0) return $"ChainDiagnostics: 0 kept steps, dim {dim}";
        float[] energy = MeanEnergy.ToArray(), mean = Mean.ToArray(), variance = Variance.ToArray();
        string At(int t) => $"mean energy {energy[t].ToString("G4", CultureInfo.InvariantCulture)}, " +
                            $"mean {Values.Brief(mean.AsSpan(t * dim, dim))}, variance {Values.Brief(variance.AsSpan(t * dim, dim))}";
        return $"ChainDiagnostics: {kept} kept steps, dim {dim}; first: {At(0)}; last: {At(kept - 1)}";
    }

    /// <inheritdoc />
    public void Dispose()
    {
        MeanEnergy.Dispose();
        Mean.Dispose();
        Variance.Dispose();
    }
}

using ILGPU.Runtime;
using TorchEbm.Autodiff;
using TorchEbm.Elementwise;
using TorchEbm.Kernels.Losses;
using TorchEbm.Kernels.Random;
using TorchEbm.Models;

namespace TorchEbm.Losses;

/// <summary>
/// What the score-matching losses share: the checks of their inputs (before any launch), the optional scan of the data
/// for NaN, and their random probes (projections, Hutchinson probes, noise), drawn with Philox from <see cref="Seed"/>
/// and the call index so that reruns are bit-identical.
/// </summary>
public abstract class ScoreMatchingLoss : BaseLoss
{
    private uint _calls;

    private protected ScoreMatchingLoss(long seed) => Seed = seed;

    /// <summary>Philox key of the probes.</summary>
    public long Seed { get; }

    /// <summary>Scan each batch for NaN or infinity on the host before any launch (one synchronisation per call).</summary>
    public bool CheckFinite { get; set; } = true;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The model has no parameters or no energy in tape ops, or the data is not a
    /// live, finite (n, d) batch of the model's dimension on its device.</exception>
    public sealed override Var Compute(BaseModel model, Tensor data) => Compute(model, data, CheckFinite, probes: null);

    /// <inheritdoc />
    internal sealed override Var ComputeOnCheckedData(BaseModel model, Tensor data) => Compute(model, data, scanFinite: false, probes: null);

    /// <summary>The loss with given probes (count, n, d) instead of drawn ones (tests against fixtures).</summary>
    internal Var Compute(BaseModel model, Tensor data, Tensor probes) => Compute(model, data, CheckFinite, probes);

    /// <summary>Probe batches a call needs (0: none), and their distribution (a <see cref="ProbeKernels"/> kind).</summary>
    private protected abstract (int Count, int Kind) Probes { get; }

    /// <summary>The constructor parameter that sets the probe count, for messages.</summary>
    private protected virtual string ProbeCountName => "nProbes";

    /// <summary>
    /// The loss at <paramref name="x"/> (the point <see cref="WriteInput"/> wrote, a graph-owned input that requires a
    /// gradient), given the call's probes (graph constants shaped like the data).
    /// </summary>
    private protected abstract Var Loss(BaseModel model, Var x, Var[] probes);

    /// <summary>Writes into <paramref name="x"/> (shaped like the data) the point the loss differentiates the energy at:
    /// the data itself by default.</summary>
    private protected virtual void WriteInput(Tensor data, ReadOnlySpan<Var> probes, Tensor x) => data.View.CopyTo(x.View);

    private Var Compute(BaseModel model, Tensor data, bool scanFinite, Tensor? probes)
    {
        ThrowIfDisposed();
        Check(model, data, scanFinite);
        uint call = _calls++;
        (int count, int kind) = Probes;
        if (probes is not null) CheckGiven(probes, data, count);
        ReadOnlySpan<int> key = [data.Dim(0), data.Dim(1)];
        if (ReplayInputs(model, key) is Var[] kept)
        {
            // The graph of the last call, on this call's probes and point: kept holds the probes, then x.
            ReadOnlySpan<Var> keptProbes = kept.AsSpan(0, count);
            WriteProbes(data, kind, call, probes, keptProbes);
            WriteInput(data, keptProbes, kept[count].Value);
            return Replay.Run();
        }
        var drawn = new Var[count];
        for (int p = 0; p < count; p++) drawn[p] = Var.Intermediate(data.Device.Allocate(data.SharedShape));
        WriteProbes(data, kind, call, probes, drawn);
        Tensor point = data.Device.Allocate(data.SharedShape);
        WriteInput(data, drawn, point);
        Var x = Var.Intermediate(point, requiresGrad: true); // freed with the loss's graph
        Var loss;
        try
        {
            loss = Loss(model, x, drawn);
        }
        catch
        {
            foreach (Var probe in drawn) probe.Dispose(); // a failed call frees its inputs (those its graph reads go with it)
            x.Dispose();
            throw;
        }
        Var[] inputs = [.. drawn, x];
        return KeepForReplay(loss, model, key, inputs);
    }

    /// <summary>
    /// Writes the call's probe batches into <paramref name="parts"/>' values: drawn (Philox keyed by the seed and
    /// <paramref name="call"/>), or copied from the given <paramref name="probes"/>.
    /// </summary>
    private void WriteProbes(Tensor data, int kind, uint call, Tensor? probes, ReadOnlySpan<Var> parts)
    {
        if (parts.Length == 0) return;
        Device device = data.Device;
        Tensor? drawn = null;
        if (probes is null)
        {
            // One draw fills every batch (one batch straight into its part; several into a buffer split below).
            int rows = parts.Length * data.Dim(0);
            drawn = parts.Length == 1 ? parts[0].Value : device.Allocate([rows, data.Dim(1)]);
            ProbeDraw.Fill(device, drawn.View, data.Dim(1), Philox4x32.FromSeed(Seed), call, kind);
        }
        Tensor all = probes ?? drawn!;
        long size = data.Length;
        for (int p = 0; p < parts.Length; p++)
            if (!ReferenceEquals(all, parts[p].Value)) all.View.SubView(p * size, size).CopyTo(parts[p].Value.View);
        if (parts.Length > 1) drawn?.Dispose();
    }

    /// <summary>dE/dx at <paramref name="x"/> with its graph (create-graph); if the model fails, x, a graph-owned input read by nothing yet, is freed.</summary>
    private protected static Var GradientAt(BaseModel model, Var x)
    {
        try
        {
            return model.Gradient(x, createGraph: true);
        }
        catch
        {
            x.Dispose();
            throw;
        }
    }

    private void Check(BaseModel model, Tensor data, bool scanFinite)
    {
        string loss = GetType().Name;
        CheckTapeModelAndData(model, data, scanFinite: false);
        int count = Probes.Count;
        if ((long)count * data.Length > int.MaxValue)
            throw new ArgumentException(
                $"{loss} draws {ProbeCountName} = {count} probe batches shaped like the data {Shapes.Format(data.Shape)}: {(long)count * data.Length} " +
                $"values, more than {int.MaxValue}. Use fewer {ProbeCountName} or a smaller batch.", nameof(data));
        if (scanFinite) TorchEbm.Check.AllFinite(data, nameof(data));
    }

    private static void CheckGiven(Tensor probes, Tensor data, int count)
    {
        ArgumentNullException.ThrowIfNull(probes);
        ObjectDisposedException.ThrowIf(probes.IsDisposed, probes);
        if (!ReferenceEquals(probes.Device, data.Device)) throw new ArgumentException("probes must live on the data's device.", nameof(probes));
        if (probes.Length != (long)count * data.Length || probes.Shape[^1] != data.Dim(1))
            throw new ArgumentException($"probes must hold {count} batches shaped like the data {Shapes.Format(data.Shape)}, got {Shapes.Format(probes.Shape)}.", nameof(probes));
    }
}

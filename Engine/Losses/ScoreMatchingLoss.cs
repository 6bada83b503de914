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

    /// <summary>The loss on checked data, given the call's probes (graph constants shaped like the data).</summary>
    private protected abstract Var Loss(BaseModel model, Tensor data, Var[] probes);

    private Var Compute(BaseModel model, Tensor data, bool scanFinite, Tensor? probes)
    {
        ThrowIfDisposed();
        Check(model, data, scanFinite);
        uint call = _calls++;
        (int count, int kind) = Probes;
        Var[] drawn = count == 0 ? [] : probes is null ? Draw(data, count, kind, call) : Given(probes, data, count);
        try
        {
            return Loss(model, data, drawn);
        }
        catch
        {
            foreach (Var probe in drawn) probe.Dispose(); // a failed call frees its probes (those its graph reads go with it)
            throw;
        }
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

    private Var[] Draw(Tensor data, int count, int kind, uint call)
    {
        Device device = data.Device;
        using Tensor all = device.Allocate([count * data.Dim(0), data.Dim(1)]);
        device.Launch(ProbeKernels.Fill, all.Dim(0), all.View, data.Dim(1), Philox4x32.FromSeed(Seed), call, kind);
        return Split(all, count);
    }

    private static Var[] Given(Tensor probes, Tensor data, int count)
    {
        ArgumentNullException.ThrowIfNull(probes);
        ObjectDisposedException.ThrowIf(probes.IsDisposed, probes);
        if (!ReferenceEquals(probes.Device, data.Device)) throw new ArgumentException("probes must live on the data's device.", nameof(probes));
        if (probes.Length != (long)count * data.Length || probes.Shape[^1] != data.Dim(1))
            throw new ArgumentException($"probes must hold {count} batches shaped like the data {Shapes.Format(data.Shape)}, got {Shapes.Format(probes.Shape)}.", nameof(probes));
        return Split(probes, count);
    }

    /// <summary>The count batches of rows of <paramref name="all"/>, each a constant owned by the graph that reads it.</summary>
    private static Var[] Split(Tensor all, int count)
    {
        long size = all.Length / count;
        int d = all.Shape[^1], n = checked((int)(size / d));
        var parts = new Var[count];
        for (int p = 0; p < count; p++)
        {
            Tensor part = all.Device.Allocate([n, d]);
            all.View.SubView(p * size, size).CopyTo(part.View);
            parts[p] = Var.Intermediate(part);
        }
        return parts;
    }

    /// <summary>data + scale * noise: the point a denoising loss differentiates at.</summary>
    private protected static Tensor Perturbed(Tensor data, Tensor noise, float scale)
    {
        Tensor result = data.Device.Allocate(data.Shape);
        ElementwiseOps.Combine(data.Device, data.View, noise.View, result.View, scale);
        return result;
    }
}

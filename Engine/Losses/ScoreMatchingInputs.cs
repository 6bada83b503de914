using ILGPU.Runtime;
using TorchEbm.Autodiff;
using TorchEbm.Elementwise;
using TorchEbm.Kernels.Losses;
using TorchEbm.Kernels.Random;
using TorchEbm.Models;

namespace TorchEbm.Losses;

/// <summary>What the score-matching losses share: the checks of their inputs, and their random probes.</summary>
internal static class ScoreMatchingInputs
{
    /// <summary>
    /// Throws before any launch when the model is disposed, has no parameters or no energy in tape ops, or when the data
    /// is not a live (n, d) batch of the model's dimension on its device (or, when scanned, holds NaN or infinity).
    /// </summary>
    public static void Check(BaseModel model, Tensor data, bool scanFinite, string loss)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.ThrowIfDisposed();
        if (!model.Parameters().Any())
            throw new ArgumentException($"{loss} trains a model's parameters, but {model.GetType().Name}.Parameters() is empty.", nameof(model));
        if (!model.HasTapeEnergies)
            throw new ArgumentException(
                $"{loss} differentiates dE/dx again, so {model.GetType().Name} must write its energy in tape ops (override Energies(Var)).", nameof(model));
        model.ValidateSamples(data, nameof(data));
        if (scanFinite) TorchEbm.Check.AllFinite(data, nameof(data));
    }

    /// <summary>
    /// <paramref name="count"/> probe batches shaped like <paramref name="data"/>, as constants owned by the graph that
    /// reads them: Philox keyed by <paramref name="seed"/>, counter word 1 the loss's call index.
    /// </summary>
    public static Var[] Draw(Tensor data, int count, int kind, long seed, uint call)
    {
        Device device = data.Device;
        int d = data.Dim(1);
        Tensor all = device.Allocate([count * data.Dim(0), d]);
        try
        {
            device.Launch(ProbeKernels.Fill, all.Dim(0), all.View, d, Philox4x32.FromSeed(seed), call, kind);
            return Split(all, count);
        }
        finally
        {
            all.Dispose();
        }
    }

    /// <summary>Given probes (count, n, d) from a caller (tests against fixtures), as graph constants.</summary>
    public static Var[] Given(Tensor probes, Tensor data, int count, string name)
    {
        ArgumentNullException.ThrowIfNull(probes);
        ObjectDisposedException.ThrowIf(probes.IsDisposed, probes);
        if (!ReferenceEquals(probes.Device, data.Device)) throw new ArgumentException($"{name} must live on the data's device.", name);
        if (probes.Length != (long)count * data.Length || probes.Shape[^1] != data.Dim(1))
            throw new ArgumentException($"{name} must hold {count} batches shaped like the data {Shapes.Format(data.Shape)}, got {Shapes.Format(probes.Shape)}.", name);
        return Split(probes, count);
    }

    private static Var[] Split(Tensor all, int count)
    {
        long size = all.Length / count;
        int n = checked((int)(size / all.Shape[^1]));
        var parts = new Var[count];
        for (int p = 0; p < count; p++)
        {
            Tensor part = all.Device.Allocate([n, all.Shape[^1]]);
            all.View.SubView(p * size, size).CopyTo(part.View);
            parts[p] = Var.Intermediate(part);
        }
        return parts;
    }

    /// <summary>data + scale * noise, a new leaf that requires a gradient (the point a denoising loss differentiates at).</summary>
    public static Tensor Perturbed(Tensor data, Tensor noise, float scale)
    {
        Tensor result = data.Device.Allocate(data.Shape);
        data.Device.Launch(ElementwiseKernels.Combine, result.Length, data.View, noise.View, result.View, scale);
        return result;
    }
}

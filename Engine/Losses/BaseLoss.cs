using TorchEbm.Autodiff;
using TorchEbm.Models;

namespace TorchEbm.Losses;

/// <summary>A training objective for an energy-based model, computed on the autodiff tape.</summary>
public abstract class BaseLoss : IDisposable
{
    /// <summary>
    /// The scalar loss for a batch <paramref name="data"/> (n, d): call Backward() on it to fill the model's parameter
    /// gradients, and dispose it to free the graph behind it.
    /// </summary>
    public abstract Var Compute(BaseModel model, Tensor data);

    /// <summary>Whether <see cref="Dispose"/> has run; a disposed loss throws <see cref="ObjectDisposedException"/> from Compute.</summary>
    public bool IsDisposed { get; private set; }

    /// <summary>Throws <see cref="ObjectDisposedException"/> once the loss has been disposed.</summary>
    protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    /// <summary>Frees device state the loss keeps between calls (e.g. a replay buffer); an override calls base.Dispose() last.</summary>
    public virtual void Dispose()
    {
        IsDisposed = true;
        GC.SuppressFinalize(this);
    }
}

using TorchEbm.Autodiff;
using TorchEbm.Elementwise;
using TorchEbm.Kernels.Losses;
using TorchEbm.Kernels.Random;
using TorchEbm.Losses;
using TorchEbm.Models;

namespace TorchEbm.Training;

/// <summary>
/// Another loss on the batch plus fresh Gaussian noise: x + sigma eps, eps ~ N(0, I) drawn with Philox from the seed and
/// the call index, so the loss sees the data smoothed by N(0, sigma^2 I). For score matching (exact or sliced) on the
/// noisy batch, the expected loss is denoising score matching's at sigma up to a constant (Vincent 2011): both are the
/// Fisher divergence to the smoothed data.
/// </summary>
/// <remarks>
/// The noisy batch lives in one buffer reused from call to call: a training loop disposes each loss's graph before it
/// computes the next, as <see cref="TrainingLoop"/> does with its own batch buffer.
/// </remarks>
internal sealed class PerturbedDataLoss : BaseLoss
{
    private readonly BaseLoss _inner;
    private readonly Philox4x32 _rng;
    private Tensor? _noise, _noisy;
    private uint _calls;

    /// <param name="inner">The loss computed on the noisy batch; disposed with this one.</param>
    /// <param name="sigma">Standard deviation of the noise, finite and positive.</param>
    /// <param name="seed">Philox key of the noise.</param>
    public PerturbedDataLoss(BaseLoss inner, float sigma, long seed)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Check.PositiveFinite(sigma);
        _inner = inner;
        Sigma = sigma;
        _rng = Philox4x32.FromSeed(seed);
    }

    /// <summary>Standard deviation of the noise added to each batch.</summary>
    public float Sigma { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The data is not a live, finite (n, d) batch; or the inner loss rejects it.</exception>
    public override Var Compute(BaseModel model, Tensor data) => OnNoisyData(model, data, scanFinite: true);

    internal override Var ComputeOnCheckedData(BaseModel model, Tensor data) => OnNoisyData(model, data, scanFinite: false);

    private Var OnNoisyData(BaseModel model, Tensor data, bool scanFinite)
    {
        Var loss = _inner.ComputeOnCheckedData(model, Perturb(model, data, scanFinite));
        _calls++; // only now: a call the inner loss rejects draws nothing, so the next one sees what a fresh run would
        return loss;
    }

    internal override void CheckBatchRows(int smallestBatch, string name) => _inner.CheckBatchRows(smallestBatch, name);

    private Tensor Perturb(BaseModel model, Tensor data, bool scanFinite)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        model.ValidateSamples(data, nameof(data)); // before any launch: a live (n, d) batch on the model's device, of its d
        if (scanFinite) Check.AllFinite(data, nameof(data)); // the noise must not hide a NaN row from the caller
        Device device = data.Device;
        if (_noisy is null || !ReferenceEquals(_noisy.Device, device) || !_noisy.Shape.SequenceEqual(data.Shape))
        {
            _noise?.Dispose();
            _noisy?.Dispose();
            _noise = device.Allocate(data.Shape);
            _noisy = device.Allocate(data.Shape);
        }
        ProbeDraw.Fill(device, _noise!.View, data.Dim(1), _rng, _calls, ProbeKernels.Gaussian);
        ElementwiseOps.Combine(device, data.View, _noise.View, _noisy.View, Sigma);
        return _noisy;
    }

    public override void Dispose()
    {
        _inner.Dispose();
        _noise?.Dispose();
        _noisy?.Dispose();
        _noise = _noisy = null;
        base.Dispose();
    }
}

using TorchEbm.Models;

namespace TorchEbm.Samplers;

/// <summary>
/// Draws samples from a model's density p(x) ~ exp(-E(x)) by running Markov chains on the device.
/// A seed makes every call reproducible bit for bit on the same device.
/// </summary>
public abstract class Sampler
{
    private uint _calls;

    /// <summary>Creates a sampler for <paramref name="model"/> keyed by <paramref name="seed"/>.</summary>
    protected Sampler(BaseModel model, long seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        Seed = seed;
    }

    /// <summary>The model whose density is sampled.</summary>
    public BaseModel Model { get; }

    /// <summary>The seed calls use when their options give none.</summary>
    public long Seed { get; }

    /// <summary>The device the chains run on (the model's).</summary>
    public Device Device => Model.Device;

    /// <summary>Runs <paramref name="nSamples"/> chains for <paramref name="nSteps"/> steps and returns the final states (nSamples, dim).</summary>
    public Tensor Sample(int nSamples, int dim, int nSteps = 100, SampleOptions? options = null)
    {
        return SampleChain(dim, nSteps, nSamples, options).TakeSamples();
    }

    /// <summary>
    /// Runs <paramref name="nSamples"/> chains of dimension <paramref name="dim"/> for <paramref name="nSteps"/>
    /// steps; returns the final states and, as requested in <paramref name="options"/>, the kept trajectory and
    /// diagnostics.
    /// </summary>
    /// <exception cref="ArgumentException">A size is out of range, the options do not fit the run, or the model needs another dimension.</exception>
    /// <exception cref="ObjectDisposedException">The model (or a part of it) has been disposed.</exception>
    /// <exception cref="InvalidOperationException">A user model returned a tensor of the wrong shape or device.</exception>
    /// <exception cref="NotFiniteNumberException"><see cref="SampleOptions.ThrowOnNonFinite"/> is set and a chain ended non-finite.</exception>
    public abstract ChainResult SampleChain(int dim, int nSteps, int nSamples = 1, SampleOptions? options = null);

    /// <summary>One step from the states <paramref name="x"/> (n, d), at schedule step <paramref name="step"/>: a new tensor of the next states.</summary>
    public abstract Tensor SampleStep(Tensor x, int step = 0);

    /// <summary>
    /// Runs <paramref name="nSteps"/> steps from states the caller has already validated (shape, device, finite
    /// values) and returns the final states: the path of losses, which must not synchronise with the host.
    /// </summary>
    internal abstract Tensor Advance(Tensor x, int nSteps);

    /// <summary>The Philox key and call index for one call: an explicit seed restarts at call 0.</summary>
    protected (long Seed, uint Call) NextStream(SampleOptions? options) =>
        options?.Seed is long seed ? (seed, 0u) : (Seed, _calls++);
}

using ILGPU.Runtime;
using TorchEbm.Autodiff;
using TorchEbm.Couplings;
using TorchEbm.Interpolants;
using TorchEbm.Kernels.Losses;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Schedulers;

namespace TorchEbm.Losses;

/// <summary>
/// Energy matching (Balcerak et al. 2025, arXiv 2504.10612): one time-independent energy V whose -dV/dx transports noise
/// to data far from the data (an optimal-transport flow term) and whose Boltzmann density exp(-V / epsilonMax) matches
/// the data near it (a contrastive term).
/// </summary>
/// <remarks>
/// <para>Flow term: noise rows x0 ~ N(0, I) paired with the data rows x1 by <see cref="Coupling"/> (exact minibatch OT
/// by default), times t ~ U(0, 1), the interpolant's point and velocity x_t, u_t (linear by default: (1 - t) x0 + t x1
/// and x1 - x0) with x_t smoothed by sigma xi; per row w(t) mean_k (-dV/dx(x_t) - u_t)^2 with the gate w(t) = clamp((1 - t) / (1 - flowCutoff), 0, 1); the term is the mean over rows.</para>
/// <para>Contrastive term, lambda (mean V(x1) - trimmed mean V(x~)), floored at -clamp (then it has no gradient): the
/// negatives x~ are Langevin chains of langevinSteps steps, a noiseFraction of them from N(0, I) under the temperature
/// sweep eps(t) (<see cref="TemperatureScheduler"/>: descent until tauStar, then heating to epsilonMax), the rest from
/// the batch's first rows at epsilonMax; the trimmed mean drops the int(trimFraction n) highest negative energies.</para>
/// <para>Two phases: for the first <see cref="WarmupSteps"/> calls lambda is 0 (flow matching only, no chains run), then
/// <see cref="ContrastiveWeight"/>. Samples are drawn as the negatives from noise are: Langevin with the temperature
/// sweep (<see cref="Sampler"/> below).</para>
/// <para>Each call reads back to the host the noise and the batch (for the coupling) and, in phase two, the energies of
/// the negatives (for the trimmed mean and the floor). Draws are keyed by <see cref="Seed"/> and the call index.</para>
/// </remarks>
public sealed class EnergyMatching : BaseLoss
{
    private uint _calls;

    /// <summary>Creates the loss; the defaults are the paper's 2-D configuration (as TorchEBM 0.7.11's).</summary>
    /// <param name="coupling">Pairs noise with data; null: exact OT (<see cref="OptimalTransportCoupling"/>).</param>
    /// <param name="sigma">Smoothing noise added to the path points, >= 0.</param>
    /// <param name="flowCutoff">Onset of the flow term's fade towards the data, in [0, 1]; 1 disables the gate.</param>
    /// <param name="contrastiveWeight">lambda of the contrastive term from phase two on, >= 0 (0: flow matching only).</param>
    /// <param name="warmupSteps">Calls of phase one (contrastive weight 0), >= 0.</param>
    /// <param name="epsilonMax">The plateau temperature, positive.</param>
    /// <param name="tauStar">The sweep's switch from transport to diffusion, in [0, 1).</param>
    /// <param name="langevinSteps">Langevin steps of each negative chain, 1 .. <see cref="Checkpoints.SamplerSettings.MaxSteps"/>.</param>
    /// <param name="stepSize">Langevin step size of the chains, positive.</param>
    /// <param name="noiseFraction">Fraction of negatives started from noise, in [0, 1].</param>
    /// <param name="trimFraction">Fraction of the highest negative energies the trimmed mean drops, in [0, 1).</param>
    /// <param name="clamp">The contrastive term's floor is -clamp, >= 0.</param>
    /// <param name="seed">Key of every draw.</param>
    /// <param name="interpolant">The path from noise (time 0) to data (time 1); null: <see cref="LinearInterpolant"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public EnergyMatching(Coupling? coupling = null, float sigma = 0.1f, float flowCutoff = 0.8f, float contrastiveWeight = 2f, int warmupSteps = 0,
        float epsilonMax = 0.15f, float tauStar = DefaultTauStar, int langevinSteps = 200, float stepSize = 0.01f, float noiseFraction = 0.5f,
        float trimFraction = 0.1f, float clamp = 0.02f, long seed = 0, IInterpolant? interpolant = null)
    {
        Interpolant = interpolant ?? new LinearInterpolant();
        TorchEbm.Check.NonNegativeFinite(sigma, nameof(sigma));
        TorchEbm.Check.UnitInterval(flowCutoff, includeOne: true, nameof(flowCutoff));
        TorchEbm.Check.NonNegativeFinite(contrastiveWeight, nameof(contrastiveWeight));
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfLessThan(langevinSteps, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(langevinSteps, Checkpoints.SamplerSettings.MaxSteps);
        TorchEbm.Check.PositiveFinite(stepSize, nameof(stepSize));
        TorchEbm.Check.UnitInterval(noiseFraction, includeOne: true, nameof(noiseFraction));
        TorchEbm.Check.UnitInterval(trimFraction, includeOne: false, nameof(trimFraction));
        TorchEbm.Check.NonNegativeFinite(clamp, nameof(clamp));
        Sweep = new TemperatureScheduler(epsilonMax, tauStar, langevinSteps); // checks epsilonMax and tauStar
        Coupling = coupling ?? new OptimalTransportCoupling();
        Sigma = sigma;
        FlowCutoff = flowCutoff;
        ContrastiveWeight = contrastiveWeight;
        WarmupSteps = warmupSteps;
        StepSize = stepSize;
        NoiseFraction = noiseFraction;
        TrimFraction = trimFraction;
        Clamp = clamp;
        Seed = seed;
    }

    /// <summary>The paper's switch time from transport to diffusion, 0.8.</summary>
    public const float DefaultTauStar = 0.8f;

    /// <summary>The path the flow term's points lie on.</summary>
    public IInterpolant Interpolant { get; }

    /// <summary>Pairs noise rows with data rows.</summary>
    public Coupling Coupling { get; }

    /// <summary>Smoothing noise of the path points.</summary>
    public float Sigma { get; }

    /// <summary>Onset of the flow term's fade.</summary>
    public float FlowCutoff { get; }

    /// <summary>lambda of the contrastive term in phase two.</summary>
    public float ContrastiveWeight { get; }

    /// <summary>Calls of phase one (flow matching only).</summary>
    public int WarmupSteps { get; }

    /// <summary>The chains' temperature sweep (also the noise schedule of <see cref="Sampler"/>).</summary>
    public TemperatureScheduler Sweep { get; }

    /// <summary>Langevin step size of the chains.</summary>
    public float StepSize { get; }

    /// <summary>Fraction of negatives started from noise.</summary>
    public float NoiseFraction { get; }

    /// <summary>Fraction of the highest negative energies dropped.</summary>
    public float TrimFraction { get; }

    /// <summary>The contrastive term's floor is -Clamp.</summary>
    public float Clamp { get; }

    /// <summary>Key of every draw.</summary>
    public long Seed { get; }

    /// <summary>Scan each batch for NaN or infinity on the host before any launch (one synchronisation per call).</summary>
    public bool CheckFinite { get; set; } = true;

    /// <summary>The contrastive weight at call <paramref name="call"/>: 0 in phase one, then <see cref="ContrastiveWeight"/>.</summary>
    public float ContrastiveWeightAt(long call) => call < WarmupSteps ? 0f : ContrastiveWeight;

    /// <summary>
    /// How energy matching samples <paramref name="model"/>: Langevin from N(0, I) at <see cref="StepSize"/> with the
    /// temperature sweep as its noise scale; run it for <see cref="TemperatureScheduler.NSteps"/> steps (one sweep).
    /// </summary>
    public LangevinDynamics Sampler(BaseModel model, long seed = 0) => new(model, StepSize, Sweep, seed);

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The model has no parameters or no energy in tape ops, or the data is not a
    /// live, finite (n, d) batch of the model's dimension on its device.</exception>
    public override Var Compute(BaseModel model, Tensor data) => Compute(model, data, CheckFinite);

    /// <inheritdoc />
    internal override Var ComputeOnCheckedData(BaseModel model, Tensor data) => Compute(model, data, scanFinite: false);

    /// <summary>The loss with given noise (n, d) (coupled here), times (n), smoothing (n, d) and negatives (n, d) (tests).</summary>
    internal Var Compute(BaseModel model, Tensor data, Tensor noise, Tensor times, Tensor smoothing, Tensor negatives)
    {
        ThrowIfDisposed();
        CheckTapeModelAndData(model, data, CheckFinite);
        foreach ((Tensor given, string name) in new[] { (noise, nameof(noise)), (smoothing, nameof(smoothing)), (negatives, nameof(negatives)) })
        {
            TorchEbm.Check.Batch(given, data.Device, name);
            if (given.Dim(0) != data.Dim(0) || given.Dim(1) != data.Dim(1))
                throw new ArgumentException($"{name} must be shaped like the data {Shapes.Format(data.Shape)}, got {Shapes.Format(given.Shape)}.", name);
        }
        if (times.Rank != 1 || times.Dim(0) != data.Dim(0))
            throw new ArgumentException($"times must hold one time per data row, shape ({data.Dim(0)}), got {Shapes.Format(times.Shape)}.", nameof(times));
        uint call = _calls++;
        float weight = ContrastiveWeightAt(call);
        Tensor? copy = weight > 0f ? data.Device.Allocate(negatives.Shape) : null; // the graph owns and frees it
        if (copy is not null) negatives.View.CopyTo(copy.View);
        return Loss(model, data, noise, times, smoothing, copy, weight);
    }

    private Var Compute(BaseModel model, Tensor data, bool scanFinite)
    {
        ThrowIfDisposed();
        CheckTapeModelAndData(model, data, scanFinite);
        uint call = _calls++;
        int n = data.Dim(0), d = data.Dim(1);
        using Tensor noise = MatchingNoise.Sample(data.Device, n, d, Seed, MatchingNoise.Draw.Noise, call);
        using Tensor times = MatchingNoise.Sample(data.Device, n, 0, Seed, MatchingNoise.Draw.Time, call);
        using Tensor smoothing = MatchingNoise.Sample(data.Device, n, d, Seed, MatchingNoise.Draw.Smoothing, call);
        float weight = ContrastiveWeightAt(call);
        Tensor? negatives = weight > 0f ? Negatives(model, data, call) : null; // the graph owns and frees it
        return Loss(model, data, noise, times, smoothing, negatives, weight);
    }

    /// <summary>The flow term, plus the contrastive term when <paramref name="negatives"/> (owned: freed with the graph or here) is given.</summary>
    private Var Loss(BaseModel model, Tensor data, Tensor noise, Tensor times, Tensor smoothing, Tensor? negatives, float weight)
    {
        Var flow;
        try
        {
            flow = Flow(model, data, noise, times, smoothing);
        }
        catch
        {
            negatives?.Dispose();
            throw;
        }
        if (negatives is null) return flow;
        try
        {
            Var? contrastive = Contrastive(model, data, Var.Intermediate(negatives), weight);
            if (contrastive is null) return flow - Clamp; // floored: a constant, no gradient
            return flow + contrastive;
        }
        catch
        {
            flow.Dispose();
            throw;
        }
    }

    /// <summary>mean_r w(t_r) mean_k (dV/dx(x_t) + u_t)^2 over the coupled pairs.</summary>
    private Var Flow(BaseModel model, Tensor data, Tensor noise, Tensor times, Tensor smoothing)
    {
        Device device = data.Device;
        using Tensor source = Coupling.Reorder(noise, data);
        (Tensor point, Tensor target) = Interpolant.Interpolate(source, data, times);
        Tensor gate = device.Allocate([data.Dim(0)]);
        device.Launch(MatchingKernels.FlowSmoothing, data.Dim(0), times.View, smoothing.View, point.View, gate.View, data.Dim(1), Sigma, FlowCutoff);
        Var x = Var.Intermediate(point, requiresGrad: true), velocity = Var.Intermediate(target), w = Var.Intermediate(gate);
        Var gradient;
        try
        {
            gradient = model.Gradient(x, createGraph: true);
        }
        catch
        {
            x.Dispose();
            velocity.Dispose();
            w.Dispose();
            throw;
        }
        Var residual = gradient + velocity; // -(-dV/dx - u_t)
        return ((residual * residual).Mean(1) * w).Mean();
    }

    /// <summary>weight (mean V(x1) - trimmed mean V(x~)), or null when it is below -Clamp (the floor).</summary>
    private Var? Contrastive(BaseModel model, Tensor data, Var negatives, float weight)
    {
        int n = negatives.Value.Dim(0), dropped = (int)(TrimFraction * n), kept = n - dropped;
        Var negative;
        try
        {
            negative = model.Energies(negatives);
        }
        catch
        {
            negatives.Dispose();
            throw;
        }
        Var positive;
        try
        {
            positive = model.Energies(Var.Borrowed(data)).Mean();
        }
        catch
        {
            negative.Dispose();
            throw;
        }
        float[] energies = negative.Value.ToArray();
        int[] order = [.. Enumerable.Range(0, n).OrderBy(i => energies[i]).ThenBy(i => i)];
        var mask = new float[n];
        double trimmed = 0;
        for (int r = 0; r < kept; r++)
        {
            mask[order[r]] = 1f / kept;
            trimmed += energies[order[r]];
        }
        double value = weight * (positive.Value.ToArray()[0] - trimmed / kept);
        if (value < -Clamp)
        {
            positive.Dispose();
            negative.Dispose();
            return null;
        }
        Var keptMean = (negative * Var.Intermediate(data.Device.FromArray(mask, n))).Sum();
        return (positive - keptMean) * weight;
    }

    /// <summary>The negatives: noise-started chains under the sweep, data-started chains at epsilonMax, stacked (n, d).</summary>
    private Tensor Negatives(BaseModel model, Tensor data, uint call)
    {
        int n = data.Dim(0), d = data.Dim(1), fromNoise = (int)Math.Round(n * (double)NoiseFraction), fromData = n - fromNoise;
        long key = unchecked((Seed ^ (long)MatchingNoise.Draw.Negatives) + 2L * call);
        Tensor result = data.Device.Allocate([n, d]);
        try
        {
            if (fromNoise > 0)
            {
                using Tensor swept = Sampler(model).Sample(dim: d, nSteps: Sweep.NSteps, nSamples: fromNoise, options: new SampleOptions { Seed = key });
                swept.View.CopyTo(result.View.SubView(0, (long)fromNoise * d));
            }
            if (fromData > 0)
            {
                using Tensor start = data.Device.Allocate([fromData, d]);
                data.View.SubView(0, (long)fromData * d).CopyTo(start.View);
                var plateau = new LangevinDynamics(model, StepSize, MathF.Sqrt(Sweep.EpsilonMax));
                using Tensor held = plateau.Sample(dim: d, nSteps: Sweep.NSteps, nSamples: fromData, options: new SampleOptions { InitialSamples = start, Seed = key + 1 });
                held.View.CopyTo(result.View.SubView((long)fromNoise * d, (long)fromData * d));
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }
}

using ILGPU;
using ILGPU.Runtime;
using TorchEbm.Elementwise;
using TorchEbm.Fill;
using TorchEbm.Kernels.Random;
using TorchEbm.Kernels.Samplers;
using TorchEbm.Models;
using TorchEbm.Schedulers;

namespace TorchEbm.Samplers;

/// <summary>
/// One call's chains and the one loop every sampler runs: a sampler asks it for the device tables its transition
/// reads (schedules, step-size scales, mass), checked before anything is launched, then <see cref="Execute"/> runs the
/// transition: warm-up with adaptation, then the returned steps, each fused in one launch when the model has an
/// energy source, else step by step around the model's own Forward and Gradient. Disposing frees the run's working
/// memory; the result's tensors belong to the <see cref="ChainResult"/>.
/// </summary>
internal sealed class ChainRun(Sampler sampler, ChainRequest request) : IDisposable
{
    /// <summary>Most entries a schedule table may have (256 MB of floats): a schedule that keeps changing longer than this is refused.</summary>
    private const int MaxTableLength = 1 << 26;

    private readonly List<Tensor> _owned = [];
    private readonly int _dim = request.Dim, _chains = request.Chains;
    private readonly SampleOptions _options = request.Options;
    private Device Device => sampler.Device;
    private BaseModel Model => sampler.Model;
    private EnergySource? Source => sampler.Source;

    private Tensor? _scales, _inverseMass;
    private float _lastStepSize = 1f;

    /// <summary>
    /// The device table of <paramref name="schedule"/> for this run's steps: one value per step up to the step from which
    /// it stays constant (kernels hold the last entry), so a constant schedule is one entry however long the run.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is not finite, not positive (<paramref name="positive"/>) or
    /// negative, or the schedule never settles within <see cref="MaxTableLength"/> steps.</exception>
    public ArrayView<float> Table(Scheduler schedule, string name, bool positive) => Owned(TableValues(schedule, name, positive).Table).View;

    /// <summary>A Metropolis sampler's step size: its schedule's table and the scales warm-up adapts (one, or one per chain).</summary>
    public AdaptiveStepSize StepSize(Scheduler schedule, string name)
    {
        (Tensor table, float[] values) = TableValues(schedule, name, positive: true);
        Owned(table);
        _lastStepSize = values[Math.Min(Math.Max(request.Steps - 1, 0), values.Length - 1)];
        bool perChain = _options.WarmupSteps > 0 && _options.StepSizeAdaptation == StepSizeAdaptation.PerChain;
        _scales = Owned(Device.Full(1f, perChain ? _chains : 1));
        return new AdaptiveStepSize(table.View, _scales.View);
    }

    /// <summary>HMC's inverse mass diagonal (length d) on the device; warm-up may adapt it.</summary>
    public ArrayView<float> InverseMass(float[] inverseDiagonal)
    {
        _inverseMass = Owned(Device.FromArray(inverseDiagonal, inverseDiagonal.Length));
        return _inverseMass.View;
    }

    /// <summary>
    /// Runs <paramref name="transition"/>: the options' warm-up steps (adapting what this run adapts), then the request's
    /// steps with its trajectory, diagnostics and, for Metropolis samplers, acceptance information.
    /// </summary>
    public ChainResult Execute<TTransition>(TTransition transition, int rows, int scalars)
        where TTransition : struct, ITransition
    {
        CheckFits(rows, scalars);
        (long seed, uint call) = sampler.NextStream(_options);
        var rng = Philox4x32.FromSeed(seed);
        int kept = _options.ReturnTrajectory || _options.ReturnDiagnostics ? request.Steps / _options.Thin : 0;
        Tensor? x = null, trajectory = null;
        ChainDiagnostics? diagnostics = null;
        try
        {
            x = _options.InitialSamples?.Clone() ?? Device.Allocate([_chains, _dim]);
            trajectory = Device.Allocate(kept > 0 ? [kept, _chains, _dim] : [1]);
            if (_options.InitialSamples is null)
                Device.Launch(LangevinKernels.Initialize, _chains, x.View, _dim, rng, call, _options.FirstChain);
            EnergySource? source = Source is EnergySource s && s.Fits(_chains) ? s : null;
            Tensor? sourceScratch = source?.ChainScratch(x);
            if (sourceScratch is not null) Owned(sourceScratch);
            var chains = new Chains(source, sourceScratch, Model, x, Owned(Device.Allocate([Math.Max(1, rows) * _chains * _dim])),
                Owned(Device.Zeros(Math.Max(1, scalars) * _chains)), rng);

            Warmup(chains, transition, call);
            if (request.Steps > 0)
                chains.Advance(transition, new ChainSettings(_dim, request.Steps, request.FirstStep, _options.Thin, call,
                    Start: _options.WarmupSteps == 0 ? 1 : 0, FirstChain: _options.FirstChain), trajectory);

            diagnostics = _options.ReturnDiagnostics ? Diagnostics(trajectory, kept) : null;
            ChainInfo? info = _scales is null ? null : Info(chains.Scalars);
            if (!_options.ReturnTrajectory)
            {
                trajectory.Dispose();
                trajectory = null;
            }
            return new ChainResult(x, trajectory, diagnostics, info)
            {
                Model = Model,
                Settings = new ChainRunSettings(sampler.GetType().Name, _options.WarmupSteps, request.Steps, _options.Thin, seed),
            };
        }
        catch
        {
            x?.Dispose();
            trajectory?.Dispose();
            diagnostics?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Refuses, before anything is allocated, a run whose working memory (the transition's rows and scalars per chain, a
    /// per-chain step size) would not fit the kernels' 32-bit indices.
    /// </summary>
    private void CheckFits(int rows, int scalars)
    {
        long floats = Math.Max((long)Math.Max(1, rows) * _chains * _dim, (long)Math.Max(1, scalars) * _chains);
        if (_options.WarmupSteps > 0 && _options.StepSizeAdaptation == StepSizeAdaptation.PerChain)
            floats = Math.Max(floats, (long)AdaptationKernels.StateSize * _chains);
        if (floats > int.MaxValue)
            throw new ArgumentOutOfRangeException("nSamples", _chains,
                $"{sampler.GetType().Name} keeps {Math.Max(1, rows)} rows of dim {_dim} and {Math.Max(1, scalars)} scalars per chain: " +
                $"{_chains} chains need {floats} floats in one buffer, more than {int.MaxValue}. Run fewer chains per call.");
    }

    /// <summary>
    /// The chains' memory for one run and the fused-or-step-by-step choice: with an energy source that fuses chains every
    /// launch runs fused; otherwise step by step around the source's evaluations (a host-side network on the CPU) or, without
    /// a source, the model's own.
    /// </summary>
    private sealed class Chains(EnergySource? source, Tensor? sourceScratch, BaseModel model, Tensor x, Tensor rows, Tensor scalars,
        Philox4x32 rng)
    {
        public Tensor X => x;

        public Tensor Scalars => scalars;

        private ChainBuffers Buffers => new(rows.View, scalars.View);

        /// <summary>settings.Steps steps of every chain.</summary>
        public void Advance<TTransition>(TTransition transition, ChainSettings settings, Tensor trajectory)
            where TTransition : struct, ITransition
        {
            if (source is { FusesChains: true }) source.Chains(x, sourceScratch, Buffers, trajectory, settings, rng, transition);
            else StepByStep(transition, settings, trajectory);
        }

        /// <summary>The transition's launches around the model's own energies and gradients: no host synchronisation.</summary>
        private void StepByStep<TTransition>(TTransition transition, ChainSettings settings, Tensor trajectory)
            where TTransition : struct, ITransition
        {
            Device device = x.Device;
            if (settings.Start != 0 && transition.NeedsStart)
            {
                Evaluate(energy: true);
                device.Launch(ChainKernels.Start, x.Dim(0), x.View, Buffers, settings.Dim, transition);
            }
            for (int s = 0; s < settings.Steps; s++)
            for (int k = 0; k < transition.Evaluations; k++)
            {
                if (transition.Prepares(k)) device.Launch(ChainKernels.Prepare, x.Dim(0), x.View, Buffers, settings, rng, transition, s, k);
                Evaluate(transition.NeedsEnergy(k));
                device.Launch(ChainKernels.Complete, x.Dim(0), x.View, Buffers, trajectory.View, settings, rng, transition, s, k);
            }
        }

        /// <summary>The model's gradient (and energy) at the chains' positions into row 0 (and slot 0), as the fused kernel writes them.</summary>
        private void Evaluate(bool energy)
        {
            if (source is not null)
            {
                source.Evaluate(x, sourceScratch, rows.View.SubView(0, x.Length), energy ? scalars.View.SubView(0, x.Dim(0)) : default);
                return;
            }
            using (Tensor gradient = model.CheckedGradient(x)) gradient.View.CopyTo(rows.View.SubView(0, gradient.Length));
            if (!energy) return;
            using Tensor energies = model.CheckedForward(x);
            energies.View.CopyTo(scalars.View.SubView(0, energies.Length));
        }
    }

    /// <summary>
    /// The options' warm-up: single-step launches at the schedules' first values on a separate noise stream, each followed (for Metropolis samplers)
    /// by a dual-averaging update of the step-size scales and, in HMC's slow windows, by accumulating the positions'
    /// moments for the mass matrix. All on the device; the acceptance statistics are cleared at the end.
    /// </summary>
    private void Warmup<TTransition>(Chains chains, TTransition transition, uint call) where TTransition : struct, ITransition
    {
        int warmup = _options.WarmupSteps;
        if (warmup == 0) return;
        Tensor none = Owned(Device.Allocate([1]));
        Tensor? state = null, moments = null;
        if (_scales is not null)
        {
            state = Owned(Device.Allocate([_scales.Length * AdaptationKernels.StateSize]));
            Device.Launch(AdaptationKernels.RestartStepSize, _scales.Length, _scales.View, state.View);
        }
        List<(int Start, int End)> windows = _inverseMass is not null && _options.AdaptMass ? MassWindows(warmup) : [];
        if (windows.Count > 0) moments = Owned(Device.Zeros(2 * _dim));
        uint warmupCall = ChainSettings.WarmupCall(call);
        float target = sampler.TargetAcceptance(_options);
        long seen = 0;
        for (int w = 0; w < warmup; w++)
        {
            chains.Advance(transition, new ChainSettings(_dim, 1, w, 1, warmupCall, Start: w == 0 ? 1 : 0, FirstChain: _options.FirstChain), none);
            if (state is not null)
                Device.Launch(AdaptationKernels.AdaptStepSize, _scales!.Length, chains.Scalars.View, _scales.View, state.View, _chains, target);
            if (moments is null || !windows.Exists(window => w >= window.Start && w < window.End)) continue;
            Device.Launch(AdaptationKernels.AccumulateMoments, _dim, chains.X.View, moments.View, _dim, (int)Math.Min(seen, int.MaxValue));
            seen += _chains;
            if (!windows.Exists(window => w == window.End - 1)) continue;
            Device.Launch(AdaptationKernels.SetInverseMass, _dim, moments.View, _inverseMass!.View, (int)Math.Min(seen, int.MaxValue));
            seen = 0;
            if (state is not null) Device.Launch(AdaptationKernels.RestartStepSize, _scales!.Length, _scales.View, state.View);
        }
        if (_scales is null) return; // Langevin keeps no statistics
        if (state is not null) Device.Launch(AdaptationKernels.FinishStepSize, _scales.Length, _scales.View, state.View);
        Device.Launch(FillKernels.Constant, 2L * _chains,
            chains.Scalars.View.SubView((long)ChainState.AcceptedSlot * _chains, 2L * _chains), 0f);
    }

    /// <summary>
    /// The slow windows for mass adaptation within <paramref name="warmup"/> steps, laid out as Stan does (a fast start of
    /// 75 steps for the step size alone, then windows of 25, 50, 100, ..., the last stretched to the final fast window;
    /// one window after the first 15% when the warm-up is too short for that; none below 20 steps) except that the final
    /// fast window takes the second half of the warm-up (Stan: 50 steps): pooled over many chains the variances need few steps, while dual
    /// averaging restarted after the last mass update needs iterations (with Stan's 50 it ended at acceptance 0.81 for a
    /// 0.65 target on the double well).
    /// </summary>
    internal static List<(int Start, int End)> MassWindows(int warmup)
    {
        var windows = new List<(int, int)>();
        if (warmup < 20) return windows;
        int start = 75, size = 25, end = warmup - Math.Max(50, warmup / 2);
        if (start + size > end)
        {
            start = (int)(0.15 * warmup);
            end = warmup - warmup / 2;
            size = end - start;
        }
        while (start < end)
        {
            int stop = start + size;
            if (stop + 2 * size > end) stop = end; // the next window would not fit: this one takes the rest
            windows.Add((start, stop));
            start = stop;
            size *= 2;
        }
        return windows;
    }

    private ChainInfo Info(Tensor scalars)
    {
        var parts = new List<Tensor>();
        try
        {
            Tensor Slot(int slot, float factor)
            {
                Tensor t = Device.Allocate([_chains]);
                parts.Add(t);
                Device.Launch(DiagnosticsKernels.ScaleCounts, _chains, scalars.View.SubView((long)slot * _chains, _chains), t.View, factor);
                return t;
            }
            Tensor acceptance = Slot(ChainState.AcceptedSlot, request.Steps > 0 ? 1f / request.Steps : 0f); // no step: 0 of 0 accepted
            Tensor divergences = Slot(ChainState.DivergencesSlot, 1f);
            Tensor stepSizes = Device.Allocate([_scales!.Length]);
            parts.Add(stepSizes);
            Device.Launch(ElementwiseKernels.Scale, _scales.Length, _scales.View, stepSizes.View, _lastStepSize);
            Tensor? inverseMass = _inverseMass?.Clone();
            return new ChainInfo(acceptance, divergences, stepSizes, inverseMass) { Transitions = request.Steps };
        }
        catch
        {
            parts.ForEach(t => t.Dispose());
            throw;
        }
    }

    private ChainDiagnostics Diagnostics(Tensor trajectory, int kept)
    {
        using Tensor rows = trajectory.Reshape(kept * _chains, _dim);
        using Tensor energies = Model.CheckedForward(rows);
        Tensor? meanEnergy = null, mean = null, variance = null;
        try
        {
            meanEnergy = Device.Allocate([kept]);
            mean = Device.Allocate([kept, _dim]);
            variance = Device.Allocate([kept, _dim]);
            Device.Launch(DiagnosticsKernels.GroupMeans, kept, energies.View, meanEnergy.View, _chains);
            Device.Launch(DiagnosticsKernels.ColumnMoments, (long)kept * _dim, trajectory.View, mean.View, variance.View, _chains, _dim);
            return new ChainDiagnostics(meanEnergy, mean, variance);
        }
        catch
        {
            meanEnergy?.Dispose();
            mean?.Dispose();
            variance?.Dispose();
            throw;
        }
    }

    private (Tensor Table, float[] Values) TableValues(Scheduler schedule, string name, bool positive)
    {
        float[] values = ScheduleValues(schedule, request.FirstStep, request.Steps, name);
        int bad = Array.FindIndex(values, v => !float.IsFinite(v) || (positive ? v <= 0 : v < 0));
        if (bad >= 0)
            throw new ArgumentOutOfRangeException(name, values[bad],
                $"{name} must be {(positive ? "positive" : ">= 0")} and finite at every step, but at step {request.FirstStep + bad} it is {values[bad]}.");
        return (Device.FromArray(values, values.Length), values);
    }

    /// <summary>The values a run's kernels read: one per step until the schedule settles (a constant one is one value).</summary>
    private static float[] ScheduleValues(Scheduler schedule, int firstStep, int nSteps, string name)
    {
        long length = Math.Max(1, nSteps);
        if (schedule.ConstantFrom is int settled) length = Math.Clamp((long)settled - firstStep + 1, 1, length);
        if (length > MaxTableLength)
            throw new ArgumentOutOfRangeException(name, schedule,
                $"{name} ({schedule}) keeps changing over all {nSteps} steps, which needs a table of more than {MaxTableLength} values: " +
                "run fewer steps per call (continue from InitialSamples) or use a schedule that settles.");
        return schedule.Values(firstStep, (int)length);
    }

    private Tensor Owned(Tensor tensor)
    {
        _owned.Add(tensor);
        return tensor;
    }

    /// <inheritdoc />
    public void Dispose() => _owned.ForEach(t => t.Dispose());
}

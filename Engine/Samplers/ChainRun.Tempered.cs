using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using TorchEbm.Fill;
using TorchEbm.Kernels.Random;
using TorchEbm.Kernels.Samplers;
using TorchEbm.Models;

namespace TorchEbm.Samplers;

/// <summary>Parallel tempering's run: the inner transition over all replicas, with swap rounds between launches.</summary>
internal sealed partial class ChainRun
{
    /// <summary>
    /// Runs <paramref name="transition"/> tempered (<see cref="TemperedTransition{TTransition}"/>) over the R n replicas of
    /// <paramref name="plan"/>'s n chains, all in one launch per segment of <see cref="TemperingPlan.SwapEvery"/> steps
    /// (fused where the model has an energy source), with a swap round (<see cref="TemperingKernels.Swap"/>) between
    /// segments: first the plan's warm-up, whose swap rates move the ladder (<see cref="TemperatureLadder.Equalize"/>)
    /// at the end of rounds of 1, 2, 4, ... swap rounds (the last one the rest, at least half of the warm-up), then the
    /// request's steps. Returns the beta = 1 replica of each chain: samples, trajectory and diagnostics; the swap
    /// statistics in <see cref="ChainResult.Tempering"/>.
    /// </summary>
    private ChainResult ExecuteTempered<TTransition>(TTransition transition, int rows, int scalars, TemperingPlan plan)
        where TTransition : struct, ITransition
    {
        CheckFits(rows, scalars);
        int n = plan.Chains, levels = plan.Replicas, d = _dim, thin = _options.Thin, steps = Request.Steps;
        var rng = Philox4x32.FromSeed(plan.Seed);
        int kept = _options.ReturnTrajectory || _options.ReturnDiagnostics ? steps / thin : 0;
        using MemoryBuffer1D<int, Stride1D.Dense> levelOf = Device.Accelerator.Allocate1D(Enumerable.Range(0, _chains).Select(row => row / n).ToArray());
        using MemoryBuffer1D<int, Stride1D.Dense> rowOf = Device.Accelerator.Allocate1D(Enumerable.Range(0, _chains).ToArray());
        using MemoryBuffer1D<int, Stride1D.Dense> trips = Device.Accelerator.Allocate1D(new int[_chains]);
        using MemoryBuffer1D<int, Stride1D.Dense> roundTrips = Device.Accelerator.Allocate1D(new int[n]);
        Tensor ladder = Owned(Device.FromArray(plan.InverseTemperatures, levels));
        Tensor acceptance = Owned(Device.Zeros((levels - 1) * n));
        TemperingState State() => new(ladder.View, levelOf.View.AsContiguous(), rowOf.View.AsContiguous(), acceptance.View,
            trips.View.AsContiguous(), roundTrips.View.AsContiguous());

        Tensor x = Owned(Device.Allocate([_chains, d]));
        Tensor start = plan.InitialSamples ?? Owned(Device.Allocate([n, d]));
        if (plan.InitialSamples is null) Device.Launch(LangevinKernels.Initialize, n, start.View, d, rng, plan.Call, 0);
        for (int r = 0; r < levels; r++) start.View.CopyTo(x.View.SubView((long)r * n * d, (long)n * d));
        Tensor replicas = Owned(Device.Allocate(kept > 0 ? [kept, _chains, d] : [1]));
        Tensor none = Owned(Device.Allocate([1]));
        EnergySource? source = Source is EnergySource s && s.Fits(_chains) ? s : null;
        Tensor? sourceScratch = source?.ChainScratch(x);
        if (sourceScratch is not null) Owned(sourceScratch);
        var chains = new Chains(source, sourceScratch, Model, x, Owned(Device.Allocate([Math.Max(1, rows) * _chains * d])),
            Owned(Device.Zeros(Math.Max(1, scalars) * _chains)), Owned(Device.Allocate([1])), rng);

        int rounds = 0; // swap rounds of the whole run: their parity alternates the even and odd pairs
        void SwapRound(uint step, uint call)
        {
            using Tensor energies = Model.CheckedForward(x);
            Device.Launch(TemperingKernels.Swap, n, energies.View, State(), rounds++ & 1, step, call, 0, rng);
        }
        void Segment(int firstStep, int length, uint call, Tensor trajectory) =>
            chains.Advance(new TemperedTransition<TTransition>(transition, ladder.View, levelOf.View.AsContiguous()),
                new ChainSettings(d, length, firstStep, thin, call, Start: 1), trajectory, none); // a new temperature: evaluate afresh

        // Warm-up: segments, each followed by a swap round; the ladder moves at the end of each adaptation round.
        uint warmupCall = ChainSettings.WarmupCall(plan.Call);
        int warmupRounds = (plan.WarmupSteps + plan.SwapEvery - 1) / plan.SwapEvery, sinceUpdate = 0;
        for (int w = 0, done = 0; w < warmupRounds; w++, done += plan.SwapEvery)
        {
            int length = Math.Min(plan.SwapEvery, plan.WarmupSteps - done);
            Segment(done, length, warmupCall, none);
            SwapRound((uint)(done + length - 1), warmupCall);
            sinceUpdate++;
            bool roundEnds = w + 1 == warmupRounds || (BitOperations.IsPow2(w + 1) && 2 * (w + 1) <= warmupRounds);
            if (!plan.AdaptLadder || !roundEnds) continue;
            float[] updated = TemperatureLadder.Equalize(ladder.ToArray(), Rejection(acceptance.ToArray(), n, sinceUpdate));
            ladder = Owned(Device.FromArray(updated, levels));
            Device.Launch(FillKernels.Constant, acceptance.Length, acceptance.View, 0f);
            sinceUpdate = 0;
        }

        // The returned steps: swap statistics and round trips count from here.
        Device.Launch(FillKernels.Constant, acceptance.Length, acceptance.View, 0f);
        Device.Launch(TemperingKernels.StartTrips, n, State());
        int sampleRounds = 0;
        Tensor? cold = null, trajectory = null;
        ChainDiagnostics? diagnostics = null;
        try
        {
            trajectory = kept > 0 ? Device.Allocate([kept, n, d]) : null;
            for (int done = 0; done < steps; done += plan.SwapEvery)
            {
                int length = Math.Min(plan.SwapEvery, steps - done), first = Request.FirstStep + done;
                Segment(first, length, plan.Call, replicas);
                if (trajectory is not null) GatherKept(replicas, rowOf, trajectory, first, first + length, kept);
                if (done + length >= steps) break; // no swap after the last segment: the returned states are its states
                SwapRound((uint)(first + length - 1), plan.Call);
                sampleRounds++;
            }
            cold = Device.Allocate([n, d]);
            Device.Launch(TemperingKernels.GatherCold, n, x.View, rowOf.View.AsContiguous(), cold.View, d, n);
            diagnostics = _options.ReturnDiagnostics ? Diagnostics(trajectory!, kept, n) : null;
            TemperingInfo info = TemperingInfoOf(ladder.ToArray(), acceptance.ToArray(), roundTrips.GetAsArray1D(), n, sampleRounds);
            if (!_options.ReturnTrajectory)
            {
                trajectory?.Dispose();
                trajectory = null;
            }
            return new ChainResult(cold, trajectory, diagnostics)
            {
                Model = Model,
                Settings = new ChainRunSettings(nameof(ParallelTempering), plan.WarmupSteps, steps, thin, plan.Seed),
                Tempering = info,
            };
        }
        catch
        {
            cold?.Dispose();
            trajectory?.Dispose();
            diagnostics?.Dispose();
            throw;
        }
    }

    /// <summary>The beta = 1 replicas of the states kept after global steps [from, to) (their levels are those of the
    /// segment just run) from <paramref name="replicas"/> (kept, R n, d) into <paramref name="trajectory"/> (kept, n, d).</summary>
    private void GatherKept(Tensor replicas, MemoryBuffer1D<int, Stride1D.Dense> rowOf, Tensor trajectory, int from, int to, int kept)
    {
        int thin = _options.Thin, first = from / thin, end = Math.Min(to / thin, kept), n = trajectory.Dim(1), d = _dim;
        if (end <= first) return;
        long perDraw = (long)_chains * d, coldPerDraw = (long)n * d;
        Device.Launch(TemperingKernels.GatherCold, (long)(end - first) * n, replicas.View.SubView(first * perDraw, (end - first) * perDraw),
            rowOf.View.AsContiguous(), trajectory.View.SubView(first * coldPerDraw, (end - first) * coldPerDraw), d, n);
    }

    /// <summary>Each pair's estimated rejection rate 1 - mean min(1, alpha) over the chains and <paramref name="rounds"/>
    /// swap rounds, from the (R - 1) n sums of <see cref="TemperingState.Acceptance"/>.</summary>
    private static double[] Rejection(float[] acceptance, int n, int rounds) =>
        Enumerable.Range(0, acceptance.Length / n)
            .Select(k => 1.0 - acceptance.Skip(k * n).Take(n).Sum(a => (double)a) / ((double)n * rounds))
            .ToArray();

    private static TemperingInfo TemperingInfoOf(float[] ladder, float[] acceptance, int[] roundTrips, int n, int rounds)
    {
        int pairs = ladder.Length - 1;
        var perChain = new float[n, pairs];
        var perPair = new float[pairs];
        for (int k = 0; k < pairs; k++)
        {
            double sum = 0;
            for (int j = 0; j < n; j++)
            {
                float a = acceptance[k * n + j];
                perChain[j, k] = rounds > 0 ? a / rounds : float.NaN;
                sum += a;
            }
            perPair[k] = rounds > 0 ? (float)(sum / ((double)n * rounds)) : float.NaN;
        }
        return new TemperingInfo(ladder, perPair, perChain, roundTrips, rounds);
    }
}

using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;
using TorchEbm.Functions;
using TorchEbm.Kernels.Random;
using TorchEbm.Launch;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// The one chain loop of every sampler: any <see cref="ITransition"/> over any <see cref="IEnergySource"/>, a whole chain
/// per work item, with the shared keep/thin logic; and the same transition split into launches (start, prepare,
/// complete) for models whose energy is evaluated by their own launches in between. Only kept states leave the chains.
/// </summary>
public static class ChainKernels
{
    /// <summary>
    /// settings.Steps steps of every chain (row of <paramref name="x"/>) with its rows and scalars in
    /// <paramref name="buffers"/>, writing the state after global step t to the trajectory when t + 1 is a multiple of
    /// Thin (pass a one-element view to keep none).
    /// </summary>
    // Instantiated with every energy source (every analytic energy, and the MLP with each activation the tape
    // offers) and every transition.
    [Kernel(Hot = true, Instantiations = [typeof(ReLU), typeof(LeakyReLU), typeof(Tanh), typeof(Sigmoid), typeof(Softplus), typeof(SiLU), typeof(ELU), typeof(GELU)])]
    public static void Chains<TSource, TTransition>(
        ArrayView<float> x, ChainBuffers buffers, ArrayView<float> trajectory, ChainSettings settings, Philox4x32 rng,
        TSource source, TTransition transition)
        where TSource : struct, IEnergySource
        where TTransition : struct, ITransition
    {
        int chains = x.IntLength / settings.Dim, stride = GridStride.Stride;
        for (int c = GridStride.Start; c < chains; c += stride) Chain(c, x, buffers, trajectory, settings, rng, source, transition);
    }

    /// <summary>
    /// Chain c's settings.Steps steps: the body of <see cref="Chains{TSource, TTransition}"/>, and the whole work of a host
    /// loop that runs the same chains on CPU-accelerator memory without the accelerator (a traced energy's host twin).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void Chain<TSource, TTransition>(int c,
        ArrayView<float> x, ChainBuffers buffers, ArrayView<float> trajectory, ChainSettings settings, Philox4x32 rng,
        TSource source, TTransition transition)
        where TSource : struct, IEnergySource
        where TTransition : struct, ITransition
    {
        int d = settings.Dim, chains = x.IntLength / d, evaluations = transition.Evaluations;
        var chain = new ChainState(x, buffers, c, chains, d);
        if (settings.Start != 0 && transition.NeedsStart)
        {
            Evaluate(source, chain, energy: true);
            transition.Start(chain);
        }
        for (int s = 0; s < settings.Steps; s++)
        {
            for (int k = 0; k < evaluations && (k == 0 || transition.Continues(k, chain)); k++)
            {
                transition.Prepare(k, chain, s, settings, rng);
                Evaluate(source, chain, transition.NeedsEnergy(k));
                transition.Complete(k, chain, s, settings, rng);
            }
            Keep(chain, trajectory, buffers.Statistics, settings, settings.FirstStep + s);
        }
    }

    /// <summary>
    /// The same loop as <see cref="Chains{TSource, TTransition}"/> with the energy evaluated cooperatively: each thread group
    /// owns <see cref="ChainGroup.Chains"/> chains at a time (groups grid-stride over the chains). The transition's calls
    /// run one thread per chain of the group (threads beyond the group's chains wait, a thread takes several chains when
    /// the group is smaller); between them every thread of the group evaluates all the group's chains together through
    /// <paramref name="source"/>, group barriers on either side. Same transitions, same noise words, same kept states.
    /// </summary>
    /// <remarks>Launched with at most <see cref="ChainGroup.MaxThreads"/> threads per group (the source's shared tiles are
    /// sized by it): <see cref="Device.LaunchGroups{T1, T2, T3, T4, T5, T6, T7}"/>.</remarks>
    [Kernel(Hot = true, Instantiations = [typeof(ReLU), typeof(LeakyReLU), typeof(Tanh), typeof(Sigmoid), typeof(Softplus), typeof(SiLU), typeof(ELU), typeof(GELU)])]
    public static void GroupChains<TSource, TTransition>(
        ArrayView<float> x, ChainBuffers buffers, ArrayView<float> trajectory, ChainSettings settings, Philox4x32 rng,
        TSource source, TTransition transition)
        where TSource : struct, IGroupEnergySource
        where TTransition : struct, ITransition
    {
        ArrayView<float> shared = SharedMemory.Allocate<float>(ChainGroup.SharedFloats);
        int d = settings.Dim, chains = x.IntLength / d, evaluations = transition.Evaluations;
        int thread = Group.IdxX, threads = Group.DimX, stride = Grid.DimX * ChainGroup.Chains;
        // Row 0 and scalar slot 0 of every chain are (chains, d) and (chains) blocks: where evaluations land.
        ArrayView<float> gradients = buffers.Rows.SubView(0, (long)chains * d), energies = buffers.Scalars.SubView(0, chains);
        for (int first = Grid.IdxX * ChainGroup.Chains; first < chains; first += stride)
        {
            int count = XMath.Min(ChainGroup.Chains, chains - first);
            if (settings.Start != 0 && transition.NeedsStart)
            {
                Group.Barrier();
                source.Evaluate(first, count, x, gradients, energies, true, shared);
                Group.Barrier();
                for (int t = thread; t < count; t += threads)
                    transition.Start(new ChainState(x, buffers, first + t, chains, d));
            }
            for (int s = 0; s < settings.Steps; s++)
            {
                for (int k = 0; k < evaluations; k++)
                {
                    bool active = false;
                    for (int t = thread; t < count; t += threads)
                    {
                        var chain = new ChainState(x, buffers, first + t, chains, d);
                        if (k > 0 && !transition.Continues(k, chain)) continue;
                        transition.Prepare(k, chain, s, settings, rng);
                        active = true;
                    }
                    // A transition that ends early stops the group's evaluations once none of its chains goes on (the
                    // finished ones are evaluated where they stand until then, which changes none of their state).
                    if (transition.EndsEarly)
                    {
                        if (!Group.BarrierOr(active)) break;
                    }
                    else Group.Barrier();
                    source.Evaluate(first, count, x, gradients, energies, transition.NeedsEnergy(k), shared);
                    Group.Barrier();
                    for (int t = thread; t < count; t += threads)
                    {
                        var chain = new ChainState(x, buffers, first + t, chains, d);
                        if (k > 0 && !transition.Continues(k, chain)) continue;
                        transition.Complete(k, chain, s, settings, rng);
                        if (Finished(transition, chain, k)) Keep(chain, trajectory, buffers.Statistics, settings, settings.FirstStep + s);
                    }
                }
            }
        }
    }

    /// <summary>Gradient (and energy) at the chain's position into its gradient row (and energy slot).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Evaluate<TSource>(in TSource source, in ChainState chain, bool energy)
        where TSource : struct, IEnergySource
    {
        if (energy) chain.Set(ChainState.EnergySlot, source.EnergyAndGradient(chain.Chain, chain.X, chain.Gradient));
        else source.Gradient(chain.Chain, chain.X, chain.Gradient);
    }

    /// <summary>Step by step: every chain takes the energies and gradients evaluated at its position (work items: chains).</summary>
    [Kernel]
    public static void Start<TTransition>(ArrayView<float> x, ChainBuffers buffers, int dim, TTransition transition)
        where TTransition : struct, ITransition
    {
        int chains = x.IntLength / dim, stride = GridStride.Stride;
        for (int c = GridStride.Start; c < chains; c += stride) StartChain(c, chains, x, buffers, dim, transition);
    }

    /// <summary>Chain c of <see cref="Start{TTransition}"/>: the kernel's body, also run by a host loop as <see cref="CompleteChain{TTransition}"/> is.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StartChain<TTransition>(int c, int chains, ArrayView<float> x, ChainBuffers buffers, int dim, TTransition transition)
        where TTransition : struct, ITransition =>
        transition.Start(new ChainState(x, buffers, c, chains, dim));

    /// <summary>Step by step: <see cref="ITransition.Prepare"/> of evaluation k of launch step s for every chain that goes on.</summary>
    [Kernel]
    public static void Prepare<TTransition>(ArrayView<float> x, ChainBuffers buffers, ChainSettings settings, Philox4x32 rng,
        TTransition transition, int s, int k)
        where TTransition : struct, ITransition
    {
        int d = settings.Dim, chains = x.IntLength / d, stride = GridStride.Stride;
        for (int c = GridStride.Start; c < chains; c += stride) PrepareChain(c, chains, x, buffers, settings, rng, transition, s, k);
    }

    /// <summary>Chain c of <see cref="Prepare{TTransition}"/>: the kernel's body, also run by a host loop as <see cref="CompleteChain{TTransition}"/> is.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void PrepareChain<TTransition>(int c, int chains, ArrayView<float> x, ChainBuffers buffers, ChainSettings settings,
        Philox4x32 rng, TTransition transition, int s, int k)
        where TTransition : struct, ITransition
    {
        var chain = new ChainState(x, buffers, c, chains, settings.Dim);
        if (k == 0 || transition.Continues(k, chain)) transition.Prepare(k, chain, s, settings, rng);
    }

    /// <summary>
    /// Step by step: <see cref="ITransition.Complete"/> of evaluation k of launch step s for every chain that goes on, keeping
    /// the state after the chain's last evaluation of the step as <see cref="Chains{TSource, TTransition}"/> does.
    /// </summary>
    [Kernel(Hot = true)]
    public static void Complete<TTransition>(ArrayView<float> x, ChainBuffers buffers, ArrayView<float> trajectory,
        ChainSettings settings, Philox4x32 rng, TTransition transition, int s, int k)
        where TTransition : struct, ITransition
    {
        int d = settings.Dim, chains = x.IntLength / d, stride = GridStride.Stride;
        for (int c = GridStride.Start; c < chains; c += stride) CompleteChain(c, chains, x, buffers, trajectory, settings, rng, transition, s, k);
    }

    /// <summary>
    /// Chain c (of <paramref name="chains"/>) of <see cref="Complete{TTransition}"/>: the kernel's body, also run by a host loop
    /// where the chains are host code (a CPU device whose energy source evaluates on the host), sparing a launch per step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CompleteChain<TTransition>(int c, int chains, ArrayView<float> x, ChainBuffers buffers, ArrayView<float> trajectory,
        ChainSettings settings, Philox4x32 rng, TTransition transition, int s, int k)
        where TTransition : struct, ITransition
    {
        var chain = new ChainState(x, buffers, c, chains, settings.Dim);
        if (k > 0 && !transition.Continues(k, chain)) return;
        transition.Complete(k, chain, s, settings, rng);
        if (Finished(transition, chain, k)) Keep(chain, trajectory, buffers.Statistics, settings, settings.FirstStep + s);
    }

    /// <summary>
    /// Step by step, for a transition that <see cref="ITransition.EndsEarly"/>: sets any[0] to 1 when some chain goes on to
    /// evaluation k (the host reads it to stop launching a step's evaluations once every chain has finished).
    /// </summary>
    [Kernel]
    public static void AnyContinues<TTransition>(ArrayView<float> x, ChainBuffers buffers, int dim, TTransition transition, int k,
        ArrayView<float> any)
        where TTransition : struct, ITransition
    {
        int chains = x.IntLength / dim, stride = GridStride.Stride;
        for (int c = GridStride.Start; c < chains; c += stride)
            if (transition.Continues(k, new ChainState(x, buffers, c, chains, dim))) any[0] = 1f; // every writer writes the same value
    }

    /// <summary>Whether the chain finished its step with evaluation k (its last, or the transition stopped it).</summary>
    private static bool Finished<TTransition>(in TTransition transition, in ChainState chain, int k)
        where TTransition : struct, ITransition =>
        k == transition.Evaluations - 1 || !transition.Continues(k + 1, chain);

    /// <summary>
    /// After global step t: the chain's state to the trajectory (<see cref="Keep(ArrayView{float}, ArrayView{float}, ChainSettings, int, int, int)"/>)
    /// and its per-draw statistics (<see cref="ChainState.DrawStatistics"/> slots) to their rows, when kept and asked for.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Keep(in ChainState chain, ArrayView<float> trajectory, ArrayView<float> statistics, ChainSettings settings, int step)
    {
        Keep(chain.X, trajectory, settings, chain.Chains, chain.Chain, step);
        long offset = StatisticsOffset(statistics, settings, chain.Chains, chain.Chain, step, out long block);
        if (offset < 0) return;
        for (int k = 0; k < ChainState.DrawStatistics; k++)
            statistics[offset + k * block] = chain.Get(ChainState.AcceptProbabilitySlot + k);
    }

    /// <summary>
    /// Where chain c's first statistic after step t goes in <paramref name="statistics"/> (statistic k lies
    /// <paramref name="block"/> = kept * chains further on per k), or -1 when that state is not kept or none are asked for.
    /// </summary>
    internal static long StatisticsOffset(ArrayView<float> statistics, ChainSettings settings, int chains, int chain, int step, out long block)
    {
        long kept = statistics.Length / ((long)ChainState.DrawStatistics * chains);
        block = kept * chains;
        if ((step + 1) % settings.Thin != 0) return -1;
        long row = (step + 1) / settings.Thin - 1;
        return row < kept ? row * chains + chain : -1;
    }

    /// <summary>Writes the state after step t to trajectory[(t + 1) / thin - 1, c, :] when t + 1 is a multiple of thin.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Keep(ArrayView<float> row, ArrayView<float> trajectory, ChainSettings settings, int chains, int chain, int step)
    {
        long offset = KeptOffset(trajectory, settings, chains, chain, step);
        if (offset < 0) return;
        for (int i = 0; i < row.IntLength; i++) trajectory[offset + i] = row[i];
    }

    /// <summary>Start of chain c's row for the state after step t in the trajectory, or -1 when that state is not kept.</summary>
    internal static long KeptOffset(ArrayView<float> trajectory, ChainSettings settings, int chains, int chain, int step)
    {
        int d = settings.Dim;
        if ((step + 1) % settings.Thin != 0) return -1;
        long offset = ((long)((step + 1) / settings.Thin - 1) * chains + chain) * d;
        return offset + d > trajectory.Length ? -1 : offset; // beyond the end: no trajectory requested
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPU;
using TorchEbm.Energies;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// The CPU-native twin of <see cref="LangevinKernels.Coordinates{TEnergy}"/>: the same work items (chain c, block k of
/// four coordinates), the same Philox counters (c, t, k, call) and the same update, computed on the host in the CPU
/// accelerator's memory with 256-bit vectors, eight work items to a vector, where the ILGPU kernel runs as scalar .NET code.
/// </summary>
/// <remarks>
/// <para>Eight consecutive work items share one set of vectors: four state vectors (lane l holds item l's coordinates
/// 4k..4k+3 as element 0..3 of the four), which stay in registers for all the launch's steps. With d a multiple of 32
/// these are 32 consecutive coordinates of one chain; with small d, eight chains. Lanes past the last item or past the
/// end of a row are computed and never stored (a separable energy's coordinates do not interact).</para>
/// <para>Rounding: Philox words and uniforms are bit-identical to the kernel's; the normals use vector log, sqrt and
/// sin/cos, which round differently from XMath's scalar ones (<see cref="Philox8.BoxMuller"/>); the update and the
/// gradient are the same float operations in the same order, unfused. So for a given state and step the two agree to
/// sigma times the normals' difference, and exactly with zero noise (for gradients without transcendentals).</para>
/// </remarks>
internal static class CpuLangevin
{
    private const int Lanes = 8;
    private const long SerialWork = 1 << 15; // coordinate-steps below which starting threads costs more than it saves

    /// <summary>Whether this machine runs 256-bit vectors in hardware (else callers keep the ILGPU kernel).</summary>
    public static bool IsSupported => Vector256.IsHardwareAccelerated;

    /// <summary>
    /// settings.Steps Langevin steps of every chain (row of x) over a separable energy, as
    /// <see cref="LangevinKernels.Coordinates{TEnergy}"/> runs them; every view in CPU-accelerator memory.
    /// </summary>
    /// <exception cref="ArgumentException">A view is not in CPU-accelerator memory, x is not whole rows of settings.Dim,
    /// or a schedule table is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">settings.Thin is not positive.</exception>
    public static void Coordinates<TEnergy>(ArrayView<float> x, ArrayView<float> trajectory, ChainSettings settings, Philox4x32 rng,
        LangevinTransition transition, TEnergy energy) where TEnergy : struct, ISeparableEnergy
    {
        int d = settings.Dim;
        if (d <= 0 || x.Length % d != 0)
            throw new ArgumentException($"x holds {x.Length} floats, not whole rows of {d}.", nameof(x));
        if (transition.StepSizes.Length == 0 || transition.NoiseScales.Length == 0)
            throw new ArgumentException("Schedule tables need at least one entry.", nameof(transition));
        if (settings.Thin <= 0) throw new ArgumentOutOfRangeException(nameof(settings), settings.Thin, "Thin must be positive.");
        int chains = checked((int)(x.Length / d)), blocks = (d + 3) >> 2;
        long items = (long)chains * blocks, groups = (items + Lanes - 1) / Lanes;
        if (groups == 0 || settings.Steps <= 0) return;
        var launch = new Launch<TEnergy>(x, trajectory, settings, rng, transition, energy, chains, blocks, items);

        int threads = Environment.ProcessorCount;
        if (threads == 1 || groups == 1 || items * 4 * settings.Steps < SerialWork)
        {
            launch.Run(0, groups);
            return;
        }
        // A few chunks per core, so a core slowed by other work does not hold up the launch.
        int chunks = (int)Math.Min(groups, 4L * threads);
        InParallel(launch, groups, chunks);
    }

    // Its own method, so the serial path does not allocate the lambda's closure.
    private static void InParallel<TEnergy>(Launch<TEnergy> launch, long groups, int chunks) where TEnergy : struct, ISeparableEnergy =>
        Parallel.For(0, chunks, chunk => launch.Run(groups * chunk / chunks, groups * (chunk + 1) / chunks));

    /// <summary>One launch's arguments; <see cref="Run"/> runs a range of groups of eight work items.</summary>
    private readonly struct Launch<TEnergy>(ArrayView<float> x, ArrayView<float> trajectory, ChainSettings settings, Philox4x32 rng,
        LangevinTransition transition, TEnergy energy, int chains, int blocks, long items) where TEnergy : struct, ISeparableEnergy
    {
        // Jitted optimised at once: a serial launch calls it once, too few calls for tiering to reach its optimised code.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(long firstGroup, long endGroup)
        {
            Span<float> rows = HostMemory.Of(x), kept = HostMemory.Of(trajectory);
            ReadOnlySpan<float> stepSizes = HostMemory.Of(transition.StepSizes), noiseScales = HostMemory.Of(transition.NoiseScales);
            int d = settings.Dim;
            bool scheduled = stepSizes.Length > 1 || noiseScales.Length > 1;
            float h0 = stepSizes[0], sigma0 = noiseScales[0] * MathF.Sqrt(2f * h0);
            Vector256<float> lo = Vector256.Create(transition.ClampMin), hi = Vector256.Create(transition.ClampMax);
            // IEEE min/max with infinite bounds return x itself (NaN included): skipping them changes nothing.
            bool clamped = !float.IsNegativeInfinity(transition.ClampMin) || !float.IsPositiveInfinity(transition.ClampMax);
            Vector256<uint> call = Vector256.Create(settings.Call);
            bool keeps = KeepsAny(kept.Length);
            Span<float> soa = stackalloc float[4 * Lanes]; // element e of lane l at [e * 8 + l]
            Span<int> start = stackalloc int[Lanes], count = stackalloc int[Lanes], chainOf = stackalloc int[Lanes];
            Span<uint> chainWords = stackalloc uint[Lanes], blockWords = stackalloc uint[Lanes];

            for (long group = firstGroup; group < endGroup; group++)
            {
                // Lane l: work item 8 group + l = (chain c, block k), coordinates [4k, 4k + count) of row c.
                for (int l = 0; l < Lanes; l++)
                {
                    long item = group * Lanes + l;
                    int c = (int)(item / blocks), k = (int)(item - (long)c * blocks);
                    bool inside = item < items;
                    chainOf[l] = inside ? c : 0;
                    chainWords[l] = settings.ChainWord(c); // the global chain word, as the kernel: a shard draws its chains' numbers
                    blockWords[l] = (uint)k;
                    start[l] = inside ? c * d + 4 * k : 0;
                    count[l] = inside ? Math.Min(4, d - 4 * k) : 0;
                }
                Gather(rows, soa, start, count);
                Vector256<float> x0 = Vector256.Create<float>(soa[..8]), x1 = Vector256.Create<float>(soa.Slice(8, 8));
                Vector256<float> x2 = Vector256.Create<float>(soa.Slice(16, 8)), x3 = Vector256.Create<float>(soa.Slice(24, 8));
                Vector256<uint> c0 = Vector256.Create<uint>(chainWords), c2 = Vector256.Create<uint>(blockWords);

                for (int s = 0; s < settings.Steps; s++)
                {
                    int t = settings.FirstStep + s;
                    float h = h0, sigma = sigma0;
                    if (scheduled)
                    {
                        h = stepSizes[Math.Min(s, stepSizes.Length - 1)];
                        sigma = noiseScales[Math.Min(s, noiseScales.Length - 1)] * MathF.Sqrt(2f * h);
                    }
                    Philox8.Normal4(rng, c0, Vector256.Create((uint)t), c2, call,
                        out Vector256<float> z0, out Vector256<float> z1, out Vector256<float> z2, out Vector256<float> z3);
                    Vector256<float> hv = Vector256.Create(h), sv = Vector256.Create(sigma);
                    x0 = Move(x0, energy.CoordinateGradient(x0), hv, sv * z0, lo, hi, clamped);
                    x1 = Move(x1, energy.CoordinateGradient(x1), hv, sv * z1, lo, hi, clamped);
                    x2 = Move(x2, energy.CoordinateGradient(x2), hv, sv * z2, lo, hi, clamped);
                    x3 = Move(x3, energy.CoordinateGradient(x3), hv, sv * z3, lo, hi, clamped);
                    if (keeps && (t + 1) % settings.Thin == 0) Keep(kept, t, soa, start, count, chainOf, x0, x1, x2, x3);
                }
                x0.CopyTo(soa[..8]);
                x1.CopyTo(soa.Slice(8, 8));
                x2.CopyTo(soa.Slice(16, 8));
                x3.CopyTo(soa.Slice(24, 8));
                Scatter(soa, rows, start, count);
            }
        }

        /// <summary>
        /// Whether any state of this launch lands in a trajectory of <paramref name="length"/> floats: rows grow with the
        /// step, so if chain 0's row of the launch's first kept step lies past the end, every later one does too.
        /// </summary>
        private bool KeepsAny(int length)
        {
            int thin = settings.Thin, first = settings.FirstStep;
            long firstKept = first + (thin - (first + 1) % thin) % thin; // smallest t >= first with (t + 1) % thin == 0
            if (firstKept >= (long)first + settings.Steps) return false;
            long row = ((firstKept + 1) / thin - 1) * chains;
            return row * settings.Dim + settings.Dim <= length;
        }

        /// <summary>The state after step t into the trajectory, where <see cref="ChainKernels.KeptOffset"/> puts it.</summary>
        private void Keep(Span<float> kept, int t, Span<float> soa, Span<int> start, Span<int> count, Span<int> chainOf,
            Vector256<float> x0, Vector256<float> x1, Vector256<float> x2, Vector256<float> x3)
        {
            int d = settings.Dim;
            long row = (long)((t + 1) / settings.Thin - 1) * chains;
            if (row * d + d > kept.Length) return; // not even chain 0's row fits: no trajectory (or past its end)
            x0.CopyTo(soa[..8]);
            x1.CopyTo(soa.Slice(8, 8));
            x2.CopyTo(soa.Slice(16, 8));
            x3.CopyTo(soa.Slice(24, 8));
            for (int l = 0; l < Lanes; l++)
            {
                if (count[l] == 0) continue;
                long offset = (row + chainOf[l]) * d;
                if (offset + d > kept.Length) continue; // beyond the end: not kept, as in the kernel
                int column = start[l] - chainOf[l] * d;
                for (int e = 0; e < count[l]; e++) kept[(int)(offset + column + e)] = soa[e * Lanes + l];
            }
        }
    }

    /// <summary><see cref="LangevinTransition.Coordinate"/> lane by lane: clamp(x - h g + noise) into [lo, hi].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Move(Vector256<float> x, Vector256<float> gradient, Vector256<float> h, Vector256<float> noise,
        Vector256<float> lo, Vector256<float> hi, bool clamped)
    {
        Vector256<float> moved = x - h * gradient + noise;
        return clamped ? Vector256.Min(Vector256.Max(moved, lo), hi) : moved;
    }

    private static void Gather(Span<float> rows, Span<float> soa, Span<int> start, Span<int> count)
    {
        soa.Clear();
        for (int l = 0; l < Lanes; l++)
        for (int e = 0; e < count[l]; e++)
            soa[e * Lanes + l] = rows[start[l] + e];
    }

    private static void Scatter(Span<float> soa, Span<float> rows, Span<int> start, Span<int> count)
    {
        for (int l = 0; l < Lanes; l++)
        for (int e = 0; e < count[l]; e++)
            rows[start[l] + e] = soa[e * Lanes + l];
    }
}

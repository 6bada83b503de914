using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;
using TorchEbm.Launch;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// Warm-up adaptation on the device, launched between warm-up steps with no host synchronisation: dual averaging of
/// the step-size scales (Hoffman and Gelman 2014) and a diagonal mass matrix from the chains' positions (Welford).
/// </summary>
/// <remarks>
/// Dual-averaging state per adapted scale u (one shared, or one per chain): <c>state[5u ..]</c> = log step, its
/// average, the averaged acceptance deficit H, the shrinkage point mu and the iteration count t. Sums run in chain
/// order, so adaptation is deterministic.
/// </remarks>
public static class AdaptationKernels
{
    /// <summary>Floats of dual-averaging state per adapted scale.</summary>
    public const int StateSize = 5;

    private const float Gamma = 0.05f, T0 = 10f, Kappa = 0.75f;
    private const int LogStep = 0, LogStepAverage = 1, Deficit = 2, Mu = 3, Iteration = 4;

    /// <summary>
    /// (Re)starts dual averaging from the current scales: mu = log(10 scale), averages and count cleared
    /// (work items: scales).
    /// </summary>
    [Kernel]
    public static void RestartStepSize(ArrayView<float> scales, ArrayView<float> state)
    {
        int units = scales.IntLength, stride = GridStride.Stride;
        for (int u = GridStride.Start; u < units; u += stride)
        {
            ArrayView<float> s = state.SubView((long)u * StateSize, StateSize);
            s[LogStep] = XMath.Log(scales[u]);
            s[LogStepAverage] = 0f;
            s[Deficit] = 0f;
            s[Mu] = XMath.Log(10f * scales[u]);
            s[Iteration] = 0f;
        }
    }

    /// <summary>
    /// One dual-averaging update of every scale from the latest acceptance probabilities (scalar slot
    /// <see cref="ChainState.AcceptProbabilitySlot"/>): a shared scale uses their mean over all chains, a per-chain scale
    /// its own chain's (work items: scales).
    /// </summary>
    [Kernel]
    public static void AdaptStepSize(ArrayView<float> chainScalars, ArrayView<float> scales, ArrayView<float> state,
        int chains, float target)
    {
        int units = scales.IntLength, stride = GridStride.Stride;
        for (int u = GridStride.Start; u < units; u += stride) AdaptScale(u, chainScalars, scales, state, chains, target);
    }

    /// <summary>
    /// Work item u of <see cref="AdaptStepSize"/>: the kernel's body, which a host loop also runs on CPU-accelerator memory
    /// (warm-up of chains that run as host code, sparing a launch per step).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AdaptScale(int u, ArrayView<float> chainScalars, ArrayView<float> scales, ArrayView<float> state, int chains, float target)
    {
        int units = scales.IntLength;
        ArrayView<float> probabilities = chainScalars.SubView((long)ChainState.AcceptProbabilitySlot * chains, chains);
        float accept;
        if (units == 1)
        {
            float sum = 0f;
            for (int c = 0; c < chains; c++) sum += probabilities[c];
            accept = sum / chains;
        }
        else accept = probabilities[u];
        UpdateScale(u, accept, scales, state, target);
    }

    /// <summary>
    /// The dual-averaging update of scale u from acceptance probability <paramref name="accept"/>: the body of
    /// <see cref="AdaptScale"/>, which the CPU lane loop also runs per chain right after each step of a fused warm-up
    /// launch (per-chain scales only).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void UpdateScale(int u, float accept, ArrayView<float> scales, ArrayView<float> state, float target)
    {
        ArrayView<float> s = state.SubView((long)u * StateSize, StateSize);
        float t = s[Iteration] + 1f, w = 1f / (t + T0);
        float deficit = (1f - w) * s[Deficit] + w * (target - accept);
        float logStep = XMath.Clamp(s[Mu] - XMath.Sqrt(t) / Gamma * deficit, -40f, 40f);
        float eta = XMath.Exp(-Kappa * XMath.Log(t)); // t^-kappa (XMath.Pow goes through float64 in PTX)
        s[Deficit] = deficit;
        s[LogStep] = logStep;
        s[LogStepAverage] = eta * logStep + (1f - eta) * s[LogStepAverage];
        s[Iteration] = t;
        scales[u] = XMath.Exp(logStep);
    }

    /// <summary>Ends adaptation: every scale becomes exp of its averaged log step (work items: scales).</summary>
    [Kernel]
    public static void FinishStepSize(ArrayView<float> scales, ArrayView<float> state)
    {
        int units = scales.IntLength, stride = GridStride.Stride;
        for (int u = GridStride.Start; u < units; u += stride)
            scales[u] = XMath.Exp(state[(long)u * StateSize + LogStepAverage]);
    }

    /// <summary>
    /// Adds every chain's position x (chains, dim) to per-dimension running moments (moments[j] the mean, moments[dim + j]
    /// the sum of squared deviations) that already hold <paramref name="seen"/> positions: the chains' own mean and squared
    /// deviations, combined with the running ones (Chan et al.). Work items: dim.
    /// </summary>
    [Kernel]
    public static void AccumulateMoments(ArrayView<float> x, ArrayView<float> moments, int dim, int seen)
    {
        int stride = GridStride.Stride;
        for (int j = GridStride.Start; j < dim; j += stride) AccumulateMoment(j, x, moments, dim, seen);
    }

    /// <summary>Work item j of <see cref="AccumulateMoments"/> (also run by a host loop, as <see cref="AdaptScale"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AccumulateMoment(int j, ArrayView<float> x, ArrayView<float> moments, int dim, int seen)
    {
        int chains = x.IntLength / dim;
        float sum = 0f;
        for (int c = 0; c < chains; c++) sum += x[(long)c * dim + j];
        float mean = sum / chains, squares = 0f;
        for (int c = 0; c < chains; c++)
        {
            float u = x[(long)c * dim + j] - mean;
            squares += u * u;
        }
        float total = (float)seen + chains, delta = mean - moments[j];
        moments[j] += delta * chains / total;
        moments[dim + j] += squares + delta * delta * ((float)seen * chains / total);
    }

    /// <summary>
    /// inverseMass[j] = the variance of the <paramref name="count"/> accumulated positions, shrunk towards 1e-3 as Stan
    /// does ((n / (n + 5)) var + 1e-3 (5 / (n + 5))); then clears the moments for the next window. Work items: dim.
    /// </summary>
    [Kernel]
    public static void SetInverseMass(ArrayView<float> moments, ArrayView<float> inverseMass, int count)
    {
        int dim = inverseMass.IntLength, stride = GridStride.Stride;
        for (int j = GridStride.Start; j < dim; j += stride)
        {
            float n = count, variance = moments[dim + j] / (n - 1f);
            inverseMass[j] = n / (n + 5f) * variance + 1e-3f * (5f / (n + 5f));
            moments[j] = 0f;
            moments[dim + j] = 0f;
        }
    }
    /// <summary>Every chain's scale from <paramref name="scales"/> (one shared, or one per chain) into <paramref name="perChain"/> (work items: chains).</summary>
    [Kernel]
    public static void SpreadScales(ArrayView<float> scales, ArrayView<float> perChain)
    {
        int chains = perChain.IntLength, stride = GridStride.Stride;
        for (int c = GridStride.Start; c < chains; c += stride)
            perChain[c] = scales[scales.IntLength == 1 ? 0 : c];
    }

    /// <summary>
    /// The one shared scale from per-chain ones: their geometric mean, summed in chain order (one work item; launched only
    /// for a shared step size, a few times per warm-up).
    /// </summary>
    [Kernel]
    public static void GatherScales(ArrayView<float> perChain, ArrayView<float> scales)
    {
        if (GridStride.Start != 0) return;
        float sum = 0f;
        for (int c = 0; c < perChain.IntLength; c++) sum += XMath.Log(perChain[c]);
        scales[0] = XMath.Exp(sum / perChain.IntLength);
    }

    /// <summary>
    /// Restarts chain c from chain donors[c] where donors[c] &gt;= 0: its position (x, (chains, dim)) and, with per-chain
    /// step sizes, its scale and dual-averaging state. Donors are never restarted themselves, so no row is read while
    /// written (work items: chains).
    /// </summary>
    [Kernel]
    public static void RestartChains(ArrayView<float> x, ArrayView<int> donors, ArrayView<float> scales, ArrayView<float> state, int dim)
    {
        int chains = donors.IntLength, stride = GridStride.Stride;
        for (int c = GridStride.Start; c < chains; c += stride)
        {
            int donor = donors[c];
            if (donor < 0) continue;
            for (int i = 0; i < dim; i++) x[(long)c * dim + i] = x[(long)donor * dim + i];
            if (scales.IntLength != chains) continue;
            scales[c] = scales[donor];
            for (int k = 0; k < StateSize; k++) state[(long)c * StateSize + k] = state[(long)donor * StateSize + k];
        }
    }
    /// <summary>
    /// Dense mass adaptation, first half of a window step: adds the chains' positions x (chains, dim) to the running
    /// co-moment matrix moments[dim + i dim + j] of <paramref name="seen"/> positions with running means moments[0, dim)
    /// (Chan et al.; the means are updated afterwards by <see cref="AccumulateMeans"/>). Work items: dim * dim.
    /// </summary>
    [Kernel]
    public static void AccumulateCovariance(ArrayView<float> x, ArrayView<float> moments, int dim, int seen)
    {
        int stride = GridStride.Stride, items = dim * dim;
        for (int item = GridStride.Start; item < items; item += stride) AccumulateCovarianceItem(item, x, moments, dim, seen);
    }

    /// <summary>Work item (i, j) of <see cref="AccumulateCovariance"/> (also run by a host loop, as <see cref="AdaptScale"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AccumulateCovarianceItem(int item, ArrayView<float> x, ArrayView<float> moments, int dim, int seen)
    {
        int chains = x.IntLength / dim;
        int i = item / dim, j = item - i * dim;
        AccumulateCovarianceItem(item, x, moments, dim, seen, ChainMean(x, i, dim, chains), ChainMean(x, j, dim, chains));
    }

    /// <summary>Work item (i, j) of <see cref="AccumulateCovariance"/> with the chains' means of coordinates i and j
    /// (<see cref="ChainMean"/>'s values) given: a host loop computes each mean once per step instead of once per item.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AccumulateCovarianceItem(int item, ArrayView<float> x, ArrayView<float> moments, int dim, int seen, float meanI, float meanJ)
    {
        int chains = x.IntLength / dim;
        int i = item / dim, j = item - i * dim;
        float sum = 0f;
        for (int c = 0; c < chains; c++) sum += (x[(long)c * dim + i] - meanI) * (x[(long)c * dim + j] - meanJ);
        float total = (float)seen + chains;
        moments[dim + item] += sum + (meanI - moments[i]) * (meanJ - moments[j]) * ((float)seen * chains / total);
    }

    /// <summary>Dense mass adaptation, second half: the running means moments[0, dim) take the chains' positions (work items: dim).</summary>
    [Kernel]
    public static void AccumulateMeans(ArrayView<float> x, ArrayView<float> moments, int dim, int seen)
    {
        int stride = GridStride.Stride;
        for (int i = GridStride.Start; i < dim; i += stride) AccumulateMean(i, x, moments, dim, seen);
    }

    /// <summary>Work item i of <see cref="AccumulateMeans"/> (also run by a host loop, as <see cref="AdaptScale"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AccumulateMean(int i, ArrayView<float> x, ArrayView<float> moments, int dim, int seen)
    {
        int chains = x.IntLength / dim;
        moments[i] += (ChainMean(x, i, dim, chains) - moments[i]) * chains / ((float)seen + chains);
    }

    /// <summary>The mean of coordinate i over the chains' positions x (chains, dim).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float ChainMean(ArrayView<float> x, int i, int dim, int chains)
    {
        float sum = 0f;
        for (int c = 0; c < chains; c++) sum += x[(long)c * dim + i];
        return sum / chains;
    }

    /// <summary>
    /// Ends a dense window: M^-1 = (n / (n + 5)) Sigma + 1e-3 (5 / (n + 5)) I from the <paramref name="count"/> accumulated
    /// positions' covariance Sigma, and its lower Cholesky factor (in place in the co-moment block, M^-1's diagonal kept in
    /// the means' slots meanwhile); a matrix that is not positive definite in float keeps the previous metric. Clears the
    /// moments. One work item: a few times per warm-up, d^3 / 3 operations.
    /// </summary>
    [Kernel]
    public static void SetDenseMetric(ArrayView<float> moments, ArrayView<float> inverse, ArrayView<float> factor, int count)
    {
        if (GridStride.Start != 0) return;
        int dim = (int)XMath.Sqrt((float)factor.IntLength + 0.5f);
        ArrayView<float> a = moments.SubView(dim, (long)dim * dim);
        float n = count, shrink = n / (n + 5f), ridge = 1e-3f * (5f / (n + 5f));
        for (int k = 0; k < dim * dim; k++) a[k] = shrink * a[k] / (n - 1f);
        for (int i = 0; i < dim; i++)
        {
            a[i * dim + i] += ridge;
            moments[i] = a[i * dim + i];
        }
        bool positive = true;
        for (int j = 0; j < dim && positive; j++) // lower triangle becomes L; the upper keeps M^-1
        {
            float sum = a[j * dim + j];
            for (int k = 0; k < j; k++) sum -= a[j * dim + k] * a[j * dim + k];
            positive = sum > 0f;
            float pivot = XMath.Sqrt(XMath.Max(sum, 1e-30f));
            a[j * dim + j] = pivot;
            for (int i = j + 1; i < dim; i++)
            {
                float s = a[i * dim + j];
                for (int k = 0; k < j; k++) s -= a[i * dim + k] * a[j * dim + k];
                a[i * dim + j] = s / pivot;
            }
        }
        for (int i = 0; i < dim && positive; i++)
        for (int j = 0; j < dim; j++)
        {
            inverse[i * dim + j] = i == j ? moments[i] : i < j ? a[i * dim + j] : a[j * dim + i];
            factor[i * dim + j] = i >= j ? a[i * dim + j] : 0f;
        }
        for (int k = 0; k < moments.IntLength; k++) moments[k] = 0f;
    }
}

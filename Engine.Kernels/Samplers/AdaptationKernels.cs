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
        ArrayView<float> probabilities = chainScalars.SubView((long)ChainState.AcceptProbabilitySlot * chains, chains);
        for (int u = GridStride.Start; u < units; u += stride)
        {
            float accept;
            if (units == 1)
            {
                float sum = 0f;
                for (int c = 0; c < chains; c++) sum += probabilities[c];
                accept = sum / chains;
            }
            else accept = probabilities[u];
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
        int chains = x.IntLength / dim, stride = GridStride.Stride;
        for (int j = GridStride.Start; j < dim; j += stride)
        {
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
}

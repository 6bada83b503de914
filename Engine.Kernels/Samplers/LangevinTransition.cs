using ILGPU;
using ILGPU.Algorithms;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// The unadjusted Langevin step x &lt;- clamp(x - h dE/dx + s sqrt(2 h) xi), xi ~ N(0, I), with h and s read from
/// schedule tables (row s of the launch, the last row when the table is shorter: a constant schedule is one entry).
/// </summary>
/// <remarks>
/// Noise of chain c, step t, coordinates 4k..4k+3 is Philox block (c, t, k, call): the fused chain kernel, the
/// per-coordinate kernel and the step-by-step update draw the same numbers for the same chain.
/// </remarks>
/// <param name="stepSizes">Step size h per launch step.</param>
/// <param name="noiseScales">Noise scale s per launch step.</param>
/// <param name="clampMin">Every coordinate is clamped into [clampMin, clampMax] after each step (infinite: no clamp).</param>
/// <param name="clampMax">Upper clamp bound.</param>
public readonly struct LangevinTransition(ArrayView<float> stepSizes, ArrayView<float> noiseScales, float clampMin, float clampMax)
    : ITransition
{
    /// <summary>Step size table.</summary>
    public readonly ArrayView<float> StepSizes = stepSizes;

    /// <summary>Noise scale table.</summary>
    public readonly ArrayView<float> NoiseScales = noiseScales;

    /// <summary>Lower clamp bound.</summary>
    public readonly float ClampMin = clampMin;

    /// <summary>Upper clamp bound.</summary>
    public readonly float ClampMax = clampMax;

    /// <inheritdoc />
    public int Evaluations => 1;

    /// <inheritdoc />
    public bool EndsEarly => false;

    /// <inheritdoc />
    public bool Continues(int evaluation, in ChainState chain) => true;

    /// <inheritdoc />
    public bool NeedsEnergy(int evaluation) => false;

    /// <inheritdoc />
    public bool Prepares(int evaluation) => false;

    /// <inheritdoc />
    public bool NeedsStart => false;

    /// <inheritdoc />
    public void Start(in ChainState chain) { }

    /// <inheritdoc />
    /// <remarks>The gradient is evaluated where the chain is: nothing to move.</remarks>
    public void Prepare(int evaluation, in ChainState chain, int s, ChainSettings settings, Philox4x32 rng) { }

    /// <inheritdoc />
    public void Complete(int evaluation, in ChainState chain, int s, ChainSettings settings, Philox4x32 rng) =>
        Move(chain.X, chain.Gradient, chain.Chain, s, settings, rng);

    /// <summary>The step given the gradient at x (the step-by-step path computes it with separate launches).</summary>
    public void Move(ArrayView<float> x, ArrayView<float> gradient, int chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        int d = settings.Dim;
        uint step = settings.StepWord(s);
        float h = At(StepSizes, s);
        float sigma = At(NoiseScales, s) * XMath.Sqrt(2f * h), lo = ClampMin, hi = ClampMax;
        for (int j = 0; j < d; j += 4)
        {
            Float4 z = ChainState.Normals(rng, settings.ChainWord(chain), step, j, d, settings.Call);
            x[j] = Coordinate(x[j], gradient[j], h, sigma * z.X, lo, hi);
            if (j + 1 < d) x[j + 1] = Coordinate(x[j + 1], gradient[j + 1], h, sigma * z.Y, lo, hi);
            if (j + 2 < d) x[j + 2] = Coordinate(x[j + 2], gradient[j + 2], h, sigma * z.Z, lo, hi);
            if (j + 3 < d) x[j + 3] = Coordinate(x[j + 3], gradient[j + 3], h, sigma * z.W, lo, hi);
        }
    }

    /// <summary>Entry s of a schedule table, or its last entry when the table is shorter (constant from there on).</summary>
    internal static float At(ArrayView<float> table, int s) => table[XMath.Min(s, table.IntLength - 1)];

    /// <summary>One coordinate's move: clamp(x - h g + noise) into [lo, hi].</summary>
    internal static float Coordinate(float x, float gradient, float h, float noise, float lo, float hi) =>
        XMath.Clamp(x - h * gradient + noise, lo, hi);
}

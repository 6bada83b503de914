using ILGPU;
using ILGPU.Algorithms;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// The Metropolis-adjusted Langevin step: propose y = x - h dE/dx(x) + sqrt(2 h) xi, accept with probability
/// min(1, exp(E(x) - E(y)) q(x | y) / q(y | x)), q(b | a) ~ exp(-|b - a + h dE/dx(a)|^2 / (4 h)); so the chain targets
/// exp(-E) exactly. The current energy and gradient are kept, so a step costs one evaluation.
/// </summary>
/// <remarks>Proposal noise uses the same Philox blocks as <see cref="LangevinTransition"/>; the decision's uniform is
/// block word <see cref="ChainState.AcceptWord"/>.</remarks>
public readonly struct MalaTransition(AdaptiveStepSize stepSize) : ITransition
{
    /// <summary>Rows per chain: the evaluated gradient, the current state's gradient, the position before the proposal.</summary>
    public const int Rows = 3;

    /// <summary>Scalar slots per chain: the shared ones (the current state's energy is the draw's energy statistic).</summary>
    public const int Scalars = ChainState.FirstTransitionSlot;

    internal const int CurrentGradientRow = 1, PreviousRow = 2, CurrentEnergySlot = ChainState.DrawEnergySlot;

    /// <summary>The step size.</summary>
    public readonly AdaptiveStepSize StepSize = stepSize;

    /// <inheritdoc />
    public int Evaluations => 1;

    /// <inheritdoc />
    public bool EndsEarly => false;

    /// <inheritdoc />
    public bool Continues(int evaluation, in ChainState chain) => true;

    /// <inheritdoc />
    public bool NeedsEnergy(int evaluation) => true;

    /// <inheritdoc />
    public bool Prepares(int evaluation) => true;

    /// <inheritdoc />
    public bool NeedsStart => true;

    /// <inheritdoc />
    public void Start(in ChainState chain) => chain.KeepEvaluation(CurrentGradientRow, CurrentEnergySlot);

    /// <inheritdoc />
    /// <remarks>Saves the position and moves it to the proposal.</remarks>
    public void Prepare(int evaluation, in ChainState chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        int d = chain.Dim;
        float h = StepSize.At(s, chain.Chain), sigma = XMath.Sqrt(2f * h);
        ArrayView<float> x = chain.X, previous = chain.Row(PreviousRow), gradient = chain.Row(CurrentGradientRow);
        uint step = settings.StepWord(s);
        for (int j = 0; j < d; j += 4)
        {
            Float4 z = ChainState.Normals(rng, settings.ChainWord(chain.Chain), step, j, d, settings.Call);
            Propose(x, previous, gradient, j, h, sigma * z.X);
            if (j + 1 < d) Propose(x, previous, gradient, j + 1, h, sigma * z.Y);
            if (j + 2 < d) Propose(x, previous, gradient, j + 2, h, sigma * z.Z);
            if (j + 3 < d) Propose(x, previous, gradient, j + 3, h, sigma * z.W);
        }
    }

    private static void Propose(ArrayView<float> x, ArrayView<float> previous, ArrayView<float> gradient, int i, float h, float noise)
    {
        previous[i] = x[i];
        x[i] = x[i] - h * gradient[i] + noise;
    }

    /// <inheritdoc />
    /// <remarks>Accepts (taking the proposal's energy and gradient) or restores the saved position.</remarks>
    public void Complete(int evaluation, in ChainState chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        float h = StepSize.At(s, chain.Chain);
        ArrayView<float> x = chain.X, previous = chain.Row(PreviousRow), current = chain.Row(CurrentGradientRow), proposed = chain.Gradient;
        float forward = 0f, backward = 0f;
        for (int i = 0; i < chain.Dim; i++)
        {
            float f = x[i] - previous[i] + h * current[i], b = previous[i] - x[i] + h * proposed[i];
            forward += f * f;
            backward += b * b;
        }
        // -log of the acceptance ratio
        float error = chain.Energy - chain.Get(CurrentEnergySlot) + (backward - forward) / (4f * h);
        if (chain.Decide(error, chain.AcceptUniform(rng, settings, s)))
            chain.KeepEvaluation(CurrentGradientRow, CurrentEnergySlot);
        else ChainState.Copy(previous, x);
    }
}

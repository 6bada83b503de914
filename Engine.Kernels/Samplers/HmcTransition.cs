using ILGPU;
using ILGPU.Algorithms;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// One Hamiltonian Monte Carlo transition: momentum p ~ N(0, M) (the <see cref="Metric"/>: diagonal or dense), <see cref="LeapfrogSteps"/>
/// leapfrog steps of size eps (half kick, then drift and kick, ending with a half kick), and a Metropolis decision on
/// H = E(x) + p^T M^-1 p / 2. One evaluation per leapfrog step: the current state's energy and gradient are kept.
/// </summary>
/// <remarks>Momentum noise uses Philox blocks (chain, step, j / 4, call); the decision's uniform is block word
/// <see cref="ChainState.AcceptWord"/>.</remarks>
/// <param name="stepSize">The leapfrog step eps.</param>
/// <param name="metric">The mass matrix, as M^-1.</param>
/// <param name="leapfrogSteps">Leapfrog steps per transition (at least 1).</param>
/// <param name="jitter">Step-size jitter j in [0, 1): each transition draws its step from eps (1 +- j).</param>
public readonly struct HmcTransition(AdaptiveStepSize stepSize, Metric metric, int leapfrogSteps, float jitter = 0f) : ITransition
{
    /// <summary>Rows per chain: the evaluated gradient, the current state's gradient, the starting position, the momentum.</summary>
    public const int Rows = 4;

    /// <summary>Scalar slots per chain: the shared ones (the starting Hamiltonian is the draw's energy statistic), the
    /// current state's energy and the transition's step size.</summary>
    public const int Scalars = ChainState.FirstTransitionSlot + 2;

    internal const int CurrentGradientRow = 1, StartRow = 2, MomentumRow = 3;
    internal const int CurrentEnergySlot = ChainState.FirstTransitionSlot, StartHamiltonianSlot = ChainState.DrawEnergySlot;
    internal const int StepSlot = ChainState.FirstTransitionSlot + 1;

    /// <summary>The leapfrog step size.</summary>
    public readonly AdaptiveStepSize StepSize = stepSize;

    /// <summary>The mass matrix M, as M^-1.</summary>
    public readonly Metric Metric = metric;

    /// <summary>Leapfrog steps per transition.</summary>
    public readonly int LeapfrogSteps = leapfrogSteps;

    /// <summary>Each transition's step size is drawn uniformly from eps (1 +- Jitter) (0: fixed).</summary>
    public readonly float Jitter = jitter;

    /// <inheritdoc />
    public int Evaluations => LeapfrogSteps;

    /// <inheritdoc />
    public bool EndsEarly => false;

    /// <inheritdoc />
    public bool Continues(int evaluation, in ChainState chain) => true;

    /// <summary>The leapfrog step of chain c's transition at launch step s (drawn once per transition, then kept in a slot).</summary>
    private float Step(in ChainState chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        float eps = StepSize.At(s, chain.Chain);
        if (Jitter == 0f) return eps;
        float u = rng.Uniform4(settings.ChainWord(chain.Chain), settings.StepWord(s), ChainState.AcceptWord, settings.Call).Y; // X is the decision's
        return eps * (1f + Jitter * (2f * u - 1f));
    }

    /// <inheritdoc />
    /// <remarks>Only the trajectory's end needs the energy.</remarks>
    public bool NeedsEnergy(int evaluation) => evaluation == LeapfrogSteps - 1;

    /// <inheritdoc />
    public bool Prepares(int evaluation) => evaluation == 0;

    /// <inheritdoc />
    public bool NeedsStart => true;

    /// <inheritdoc />
    public void Start(in ChainState chain) => chain.KeepEvaluation(CurrentGradientRow, CurrentEnergySlot);

    /// <inheritdoc />
    /// <remarks>Leapfrog step 0 draws the momentum, saves the position and the Hamiltonian, half-kicks and drifts; later
    /// leapfrog steps were drifted by the previous <see cref="Complete"/> (kick and drift share one pass).</remarks>
    public void Prepare(int evaluation, in ChainState chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        if (evaluation > 0) return;
        int d = chain.Dim;
        float eps = Step(chain, s, settings, rng);
        chain.Set(StepSlot, eps);
        chain.Set(ChainState.LeapfrogsSlot, LeapfrogSteps);
        ArrayView<float> x = chain.X, p = chain.Row(MomentumRow), start = chain.Row(StartRow), gradient = chain.Row(CurrentGradientRow);
        float kinetic = Metric.DrawMomentum(p, rng, settings.ChainWord(chain.Chain), settings.StepWord(s), settings.Call, d);
        chain.Set(StartHamiltonianSlot, chain.Get(CurrentEnergySlot) + 0.5f * kinetic);
        for (int i = 0; i < d; i++)
        {
            start[i] = x[i];
            p[i] -= 0.5f * eps * gradient[i];
        }
        Metric.Drift(x, p, eps, d);
    }

    /// <inheritdoc />
    /// <remarks>Between leapfrog steps, kicks with the new gradient (a full kick) and drifts the position for the next
    /// evaluation; after the last step, half-kicks and accepts (taking the end's energy and gradient) or restores the
    /// starting position.</remarks>
    public void Complete(int evaluation, in ChainState chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        int d = chain.Dim;
        float eps = chain.Get(StepSlot);
        ArrayView<float> p = chain.Row(MomentumRow), gradient = chain.Gradient;
        if (evaluation < LeapfrogSteps - 1)
        {
            for (int i = 0; i < d; i++) p[i] -= eps * gradient[i];
            Metric.Drift(chain.X, p, eps, d);
            return;
        }
        for (int i = 0; i < d; i++) p[i] -= 0.5f * eps * gradient[i];
        float error = chain.Energy + 0.5f * Metric.TwiceKinetic(p, d) - chain.Get(StartHamiltonianSlot);
        if (chain.Decide(error, chain.AcceptUniform(rng, settings, s)))
            chain.KeepEvaluation(CurrentGradientRow, CurrentEnergySlot);
        else ChainState.Copy(chain.Row(StartRow), chain.X);
    }
}

using ILGPU;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// Nesterov's accelerated gradient descent on E as a deterministic transition (TorchEBM's <c>NesterovSampler</c>):
/// v &lt;- mu v - h dE/dx(x + mu v), x &lt;- x + v, with h read from a schedule table (row s of the launch, the last row
/// when the table is shorter) and the velocity starting at 0. Draws no noise.
/// </summary>
/// <param name="stepSizes">Step size h per launch step.</param>
/// <param name="momentum">mu in [0, 1); 0 is plain gradient descent.</param>
public readonly struct NesterovTransition(ArrayView<float> stepSizes, float momentum) : ITransition
{
    /// <summary>Rows per chain: the evaluated gradient, the velocity, the position before the look-ahead.</summary>
    public const int Rows = 3;

    /// <summary>Scalar slots per chain: the energy slot only (no Metropolis statistics).</summary>
    public const int Scalars = 1;

    private const int VelocityRow = 1, PositionRow = 2;

    /// <summary>Step size table.</summary>
    public readonly ArrayView<float> StepSizes = stepSizes;

    /// <summary>Momentum coefficient mu.</summary>
    public readonly float Momentum = momentum;

    /// <inheritdoc />
    public int Evaluations => 1;

    /// <inheritdoc />
    public bool EndsEarly => false;

    /// <inheritdoc />
    public bool Continues(int evaluation, in ChainState chain) => true;

    /// <inheritdoc />
    public bool NeedsEnergy(int evaluation) => false;

    /// <inheritdoc />
    public bool Prepares(int evaluation) => true;

    /// <inheritdoc />
    /// <remarks>The start's evaluation is not needed; the start is where the velocity is set to zero.</remarks>
    public bool NeedsStart => true;

    /// <inheritdoc />
    public void Start(in ChainState chain)
    {
        ArrayView<float> v = chain.Row(VelocityRow);
        for (int i = 0; i < chain.Dim; i++) v[i] = 0f;
    }

    /// <inheritdoc />
    /// <remarks>Saves the position and moves it to the look-ahead point x + mu v, where the gradient is evaluated.</remarks>
    public void Prepare(int evaluation, in ChainState chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        ArrayView<float> x = chain.X, v = chain.Row(VelocityRow), saved = chain.Row(PositionRow);
        for (int i = 0; i < chain.Dim; i++)
        {
            saved[i] = x[i];
            x[i] = x[i] + Momentum * v[i];
        }
    }

    /// <inheritdoc />
    /// <remarks>v &lt;- mu v - h g (g at the look-ahead point); x &lt;- saved x + v.</remarks>
    public void Complete(int evaluation, in ChainState chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        float h = LangevinTransition.At(StepSizes, s);
        ArrayView<float> x = chain.X, v = chain.Row(VelocityRow), saved = chain.Row(PositionRow), g = chain.Gradient;
        for (int i = 0; i < chain.Dim; i++)
        {
            float velocity = Momentum * v[i] - h * g[i];
            v[i] = velocity;
            x[i] = saved[i] + velocity;
        }
    }
}

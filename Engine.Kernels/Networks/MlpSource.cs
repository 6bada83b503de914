using ILGPU;
using TorchEbm.Functions;
using TorchEbm.Kernels.Samplers;

namespace TorchEbm.Networks;

/// <summary>
/// A small MLP energy as a chain's <see cref="IEnergySource"/>: the packed weights, each chain's hidden scratch and
/// the activation. Chain c uses sample c of the scratch.
/// </summary>
public readonly struct MlpSource<TFn>(MlpWeights weights, MlpScratch hidden, TFn activation) : IEnergySource
    where TFn : struct, IUnaryFunction
{
    /// <summary>The packed weights.</summary>
    public readonly MlpWeights Weights = weights;

    /// <summary>Per-chain hidden activations and derivatives.</summary>
    public readonly MlpScratch Hidden = hidden;

    /// <summary>The activation between layers.</summary>
    public readonly TFn Activation = activation;

    /// <inheritdoc />
    public float Energy(int chain, ArrayView<float> x)
    {
        MlpKernels.Forward(x, Hidden, chain, Weights, Activation, derivatives: false);
        return MlpKernels.Output(x, Hidden, chain, Weights);
    }

    /// <inheritdoc />
    public void Gradient(int chain, ArrayView<float> x, ArrayView<float> gradient)
    {
        MlpKernels.Forward(x, Hidden, chain, Weights, Activation, derivatives: true);
        MlpKernels.Backward(gradient, Hidden, chain, Weights);
    }

    /// <inheritdoc />
    /// <remarks>One forward pass serves both: the output is read before the backward pass reuses the derivative slots.</remarks>
    public float EnergyAndGradient(int chain, ArrayView<float> x, ArrayView<float> gradient)
    {
        MlpKernels.Forward(x, Hidden, chain, Weights, Activation, derivatives: true);
        float energy = MlpKernels.Output(x, Hidden, chain, Weights);
        MlpKernels.Backward(gradient, Hidden, chain, Weights);
        return energy;
    }
}

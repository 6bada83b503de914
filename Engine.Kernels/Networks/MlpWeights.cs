using ILGPU;

namespace TorchEbm.Networks;

/// <summary>
/// The weights of a fully connected network with a scalar output, packed for the per-chain kernels of
/// <see cref="MlpKernels"/>: layer m maps Widths[m] inputs to Widths[m + 1] outputs, its weight (out, in) row-major
/// (PyTorch's layout) followed by its bias, layer after layer in <see cref="Parameters"/>. The activation follows
/// every layer but the last.
/// </summary>
/// <param name="Parameters">W0, b0, W1, b1, ... back to back.</param>
/// <param name="Widths">Layers + 1 widths: the input dimension, the hidden widths, then 1.</param>
/// <param name="Layers">Number of linear layers (at least 1).</param>
/// <param name="HiddenUnits">Sum of the hidden widths (Widths[1] .. Widths[Layers - 1]).</param>
public readonly record struct MlpWeights(ArrayView<float> Parameters, ArrayView<int> Widths, int Layers, int HiddenUnits)
{
    /// <summary>Floats of per-chain scratch the kernels need: an activation and a derivative per hidden unit.</summary>
    public int ScratchPerChain => 2 * HiddenUnits;
}

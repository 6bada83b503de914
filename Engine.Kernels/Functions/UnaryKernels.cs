using ILGPU;
using TorchEbm.Launch;

namespace TorchEbm.Functions;

/// <summary>An element-wise function and its backward pass over flat buffers.</summary>
public static class UnaryKernels
{
    /// <summary>output[i] = f(input[i]).</summary>
    [Kernel]
    public static void Forward<TFunction>(ArrayView<float> input, ArrayView<float> output, TFunction function)
        where TFunction : struct, IUnaryFunction
    {
        int n = input.IntLength, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < n; i += stride)
            output[i] = function.Apply(input[i]);
    }

    /// <summary>inputGradient[i] += outputGradient[i] * f'(input[i]).</summary>
    [Kernel]
    public static void Backward<TFunction>(
        ArrayView<float> input, ArrayView<float> outputGradient, ArrayView<float> inputGradient, TFunction function)
        where TFunction : struct, IUnaryFunction
    {
        int n = input.IntLength, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < n; i += stride)
            inputGradient[i] += outputGradient[i] * function.Derivative(input[i]);
    }
}

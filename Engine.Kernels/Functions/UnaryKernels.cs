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

    /// <summary>output[i] = f^(order)(input[i]), the order-th derivative (0 to 3): a derivative node of the tape.</summary>
    [Kernel]
    public static void DerivativeForward<TFunction>(ArrayView<float> input, ArrayView<float> output, TFunction function, int order)
        where TFunction : struct, IUnaryFunction
    {
        int n = input.IntLength, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < n; i += stride)
            output[i] = Nth(function, input[i], order);
    }

    /// <summary>inputGradient[i] += outputGradient[i] * f^(order + 1)(input[i]): the backward step of a derivative node.</summary>
    [Kernel]
    public static void DerivativeBackward<TFunction>(
        ArrayView<float> input, ArrayView<float> outputGradient, ArrayView<float> inputGradient, TFunction function, int order)
        where TFunction : struct, IUnaryFunction
    {
        int n = input.IntLength, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < n; i += stride)
            inputGradient[i] += outputGradient[i] * Nth(function, input[i], order + 1);
    }

    /// <summary>The highest derivative order the function structs provide.</summary>
    public const int MaxOrder = 3;

    /// <summary>f^(order)(x) for order 0 to 3 (the host twins call it too, so both compute the same floats).</summary>
    internal static float Nth<TFunction>(TFunction function, float x, int order) where TFunction : struct, IUnaryFunction => order switch
    {
        0 => function.Apply(x),
        1 => function.Derivative(x),
        2 => function.SecondDerivative(x),
        _ => function.ThirdDerivative(x),
    };
}

using ILGPU;
using TorchEbm.Launch;

namespace TorchEbm.Elementwise;

/// <summary>Element-by-element kernels over flat buffers.</summary>
public static class ElementwiseKernels
{
    /// <summary>output[i] = factor * input[i].</summary>
    [Kernel]
    public static void Scale(ArrayView<float> input, ArrayView<float> output, float factor)
    {
        int n = input.IntLength, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < n; i += stride)
            output[i] = factor * input[i];
    }

    /// <summary>output[i] += factor * input[i].</summary>
    [Kernel]
    public static void AddScaled(ArrayView<float> input, ArrayView<float> output, float factor)
    {
        int n = input.IntLength, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < n; i += stride)
            output[i] += factor * input[i];
    }
}

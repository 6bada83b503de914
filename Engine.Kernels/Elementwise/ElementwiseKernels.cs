using ILGPU;
using TorchEbm.Launch;
using TorchEbm.Numerics;

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

    /// <summary>output[i] = scale * input[i] + shift.</summary>
    [Kernel]
    public static void Affine(ArrayView<float> input, ArrayView<float> output, float scale, float shift)
    {
        int n = input.IntLength, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < n; i += stride)
            output[i] = scale * input[i] + shift;
    }

    /// <summary>output[i] = a[i] + factor * b[i].</summary>
    [Kernel]
    public static void Combine(ArrayView<float> a, ArrayView<float> b, ArrayView<float> output, float factor)
    {
        int n = a.IntLength, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < n; i += stride)
            output[i] = a[i] + factor * b[i];
    }

    /// <summary>output[i] = a[i] * b[i].</summary>
    [Kernel]
    public static void Multiply(ArrayView<float> a, ArrayView<float> b, ArrayView<float> output)
    {
        int n = a.IntLength, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < n; i += stride)
            output[i] = Multiplication.Apply<Real>(a[i], b[i]);
    }

    /// <summary>output[i] += a[i] * b[i].</summary>
    [Kernel]
    public static void MultiplyAdd(ArrayView<float> a, ArrayView<float> b, ArrayView<float> output)
    {
        int n = a.IntLength, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < n; i += stride)
            output[i] += Multiplication.Apply<Real>(a[i], b[i]);
    }

    /// <summary>output[i] += factor * scalar[0] (the backward pass of a sum).</summary>
    [Kernel]
    public static void AddBroadcast(ArrayView<float> scalar, ArrayView<float> output, float factor)
    {
        int n = output.IntLength, stride = GridStride.Stride;
        float value = factor * scalar[0];
        for (int i = GridStride.Start; i < n; i += stride)
            output[i] += value;
    }

    /// <summary>output[r, c] = matrix[r, c] + row[c] for a (rows, cols) matrix: adds a bias to every row.</summary>
    [Kernel]
    public static void AddRow(ArrayView<float> matrix, ArrayView<float> row, ArrayView<float> output)
    {
        int n = matrix.IntLength, cols = row.IntLength, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < n; i += stride)
            output[i] = matrix[i] + row[i % cols];
    }
}

using ILGPU;
using TorchEbm.Kernels.Random;
using TorchEbm.Launch;

namespace TorchEbm.Fill;

/// <summary>Kernels that fill a buffer: a constant, uniforms or normals from Philox.</summary>
/// <remarks>
/// Random fills are deterministic whatever the grid: element i comes from Philox block i / 4 with counter
/// (i / 4, 0, stream, 0) and key = seed, so a seed gives the same tensor on every accelerator and layout.
/// </remarks>
public static class FillKernels
{
    /// <summary>Sets every element of <paramref name="output"/> to <paramref name="value"/>.</summary>
    [Kernel]
    public static void Constant(ArrayView<float> output, float value)
    {
        int n = output.IntLength, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < n; i += stride)
            output[i] = value;
    }

    /// <summary>Uniforms in (0, 1). Work items: one per block of four elements.</summary>
    [Kernel]
    public static void Uniform(ArrayView<float> output, Philox4x32 rng, uint stream)
    {
        int blocks = (output.IntLength + 3) / 4, stride = GridStride.Stride;
        for (int b = GridStride.Start; b < blocks; b += stride)
            rng.Uniform4((uint)b, 0, stream, 0).StoreTo(output, b * 4);
    }

    /// <summary>Standard normals (Box-Muller). Work items: one per block of four elements.</summary>
    [Kernel(Hot = true)]
    public static void Normal(ArrayView<float> output, Philox4x32 rng, uint stream)
    {
        int blocks = (output.IntLength + 3) / 4, stride = GridStride.Stride;
        for (int b = GridStride.Start; b < blocks; b += stride)
            rng.Normal4((uint)b, 0, stream, 0).StoreTo(output, b * 4);
    }

    /// <summary>Work items (Philox blocks) a random fill of <paramref name="length"/> elements launches.</summary>
    public static long BlocksFor(long length) => (length + 3) / 4;
}

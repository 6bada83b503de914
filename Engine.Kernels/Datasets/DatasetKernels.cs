using ILGPU;
using TorchEbm.Kernels.Random;
using TorchEbm.Launch;

namespace TorchEbm.Kernels.Datasets;

/// <summary>Draws synthetic 2-D data sets on the device.</summary>
public static class DatasetKernels
{
    /// <summary>Philox counter word 2 reserved for data sets.</summary>
    public const uint Stream = 3;

    /// <summary>
    /// output[i, :] = point i for i &lt; n (output is n x 2); point i uses Philox blocks (i, 0, Stream, 0) for
    /// uniforms and (i, 1, Stream, 0) for normals.
    /// </summary>
    [Kernel]
    public static void Generate<TDistribution>(ArrayView<float> output, Philox4x32 rng, TDistribution distribution)
        where TDistribution : struct, IPointDistribution
    {
        int n = output.IntLength / 2, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < n; i += stride)
        {
            distribution.Point(rng.Uniform4((uint)i, 0, Stream, 0), rng.Normal4((uint)i, 1, Stream, 0), out float x, out float y);
            output[2 * i] = x;
            output[2 * i + 1] = y;
        }
    }

    /// <summary>An index in [0, count) from a uniform in (0, 1).</summary>
    public static int Pick(float u, int count)
    {
        int k = (int)(u * count);
        return k < count ? k : count - 1;
    }
}

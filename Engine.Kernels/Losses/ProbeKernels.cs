using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;
using TorchEbm.Kernels.Random;
using TorchEbm.Launch;

namespace TorchEbm.Kernels.Losses;

/// <summary>
/// Random probe vectors of the score-matching losses (projections, Hutchinson probes, denoising noise), one row of d
/// per work item, reproducible from a seed and a call index.
/// </summary>
public static class ProbeKernels
{
    /// <summary>Philox counter word 2 reserved for the score-matching losses.</summary>
    public const uint Stream = 6;

    /// <summary>Standard normal entries.</summary>
    public const int Gaussian = 0;

    /// <summary>Entries +1 or -1 with probability 1/2 each.</summary>
    public const int Rademacher = 1;

    /// <summary>Uniform on the sphere of radius sqrt(d) (a Gaussian row rescaled), so E[v v^T] = I as for the others.</summary>
    public const int Sphere = 2;

    /// <summary>Entries uniform in (0, 1) (24-bit resolution, never 0 or 1): the interpolation times of the matching losses.</summary>
    public const int Uniform = 3;

    /// <summary>
    /// Fills the rows of <paramref name="output"/> (length a multiple of d): row r's entries j .. j + 3 come from Philox
    /// block (r, call, Stream, j / 4), so the probes do not depend on the grid (work items: rows).
    /// </summary>
    [Kernel]
    public static void Fill(ArrayView<float> output, int d, Philox4x32 rng, uint call, int kind)
    {
        int rows = output.IntLength / d, stride = GridStride.Stride;
        for (int r = GridStride.Start; r < rows; r += stride) FillRow(r, output, d, rng, call, kind);
    }

    /// <summary>
    /// Row r of <see cref="Fill"/>: the kernel's body, also run by a host loop on CPU-accelerator memory
    /// (<see cref="ProbeDraw"/>), which draws the same bits without a launch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void FillRow(int r, ArrayView<float> output, int d, Philox4x32 rng, uint call, int kind)
    {
        ArrayView<float> row = output.SubView(r * d, d);
        float squares = 0f;
        for (int j = 0; j < d; j += 4)
        {
            Float4 values = kind == Rademacher ? Signs(rng.Block((uint)r, call, Stream, (uint)(j >> 2)))
                : kind == Uniform ? rng.Uniform4((uint)r, call, Stream, (uint)(j >> 2))
                : rng.Normal4((uint)r, call, Stream, (uint)(j >> 2));
            values.StoreTo(row, j);
            squares += values.X * values.X + (j + 1 < d ? values.Y * values.Y : 0f)
                + (j + 2 < d ? values.Z * values.Z : 0f) + (j + 3 < d ? values.W * values.W : 0f);
        }
        if (kind != Sphere) return;
        float scale = XMath.Sqrt(d / squares);
        for (int j = 0; j < d; j++) row[j] *= scale;
    }

    private static Float4 Signs(UInt4 bits) => new(Sign(bits.X), Sign(bits.Y), Sign(bits.Z), Sign(bits.W));

    private static float Sign(uint bits) => (bits & 1u) == 0u ? 1f : -1f;
}

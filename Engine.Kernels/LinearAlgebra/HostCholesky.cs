namespace TorchEbm.LinearAlgebra;

/// <summary>
/// The host twins of <see cref="CholeskyKernels"/> over spans of CPU-accelerator memory: each is its kernel's loop over
/// the batch, with the same float operations in the same order, so results are bit-identical (tested). The kernels stay
/// the reference, and run on GPUs; change a kernel and its twin together.
/// </summary>
internal static class HostCholesky
{
    /// <summary><see cref="CholeskyKernels.Factor"/>.</summary>
    public static void Factor(ReadOnlySpan<float> a, Span<float> l, int n)
    {
        int size = n * n;
        for (int o = 0; o + size <= l.Length; o += size)
        {
            bool definite = true;
            for (int j = 0; j < n && definite; j++)
            {
                int rowJ = o + j * n;
                float pivot = a[rowJ + j];
                for (int k = 0; k < j; k++) pivot -= l[rowJ + k] * l[rowJ + k];
                definite = pivot > 0f;
                float d = MathF.Sqrt(pivot);
                l[rowJ + j] = d;
                for (int k = j + 1; k < n; k++) l[rowJ + k] = 0f;
                for (int i = j + 1; i < n; i++)
                {
                    int rowI = o + i * n;
                    float t = a[rowI + j];
                    for (int k = 0; k < j; k++) t -= l[rowI + k] * l[rowJ + k];
                    l[rowI + j] = t / d;
                }
            }
            if (!definite) l.Slice(o, size).Fill(float.NaN);
        }
    }

    /// <summary><see cref="CholeskyKernels.FactorBackward"/>.</summary>
    public static void FactorBackward(ReadOnlySpan<float> l, Span<float> lbar, Span<float> gradient, int n)
    {
        int size = n * n;
        for (int o = 0; o + size <= l.Length; o += size)
        for (int j = n - 1; j >= 0; j--)
        {
            int rowJ = o + j * n;
            float d = l[rowJ + j];
            for (int i = n - 1; i > j; i--)
            {
                int rowI = o + i * n;
                float f = lbar[rowI + j] / d;
                gradient[rowI + j] += f;
                for (int k = 0; k < j; k++)
                {
                    lbar[rowI + k] -= f * l[rowJ + k];
                    lbar[rowJ + k] -= f * l[rowI + k];
                }
                lbar[rowJ + j] -= f * l[rowI + j];
            }
            float half = lbar[rowJ + j] / (2f * d);
            gradient[rowJ + j] += half;
            for (int k = 0; k < j; k++) lbar[rowJ + k] -= 2f * half * l[rowJ + k];
        }
    }

    /// <summary><see cref="CholeskyKernels.SolveLower"/>.</summary>
    public static void SolveLower(ReadOnlySpan<float> l, ReadOnlySpan<float> b, Span<float> z, int n, int bStride)
    {
        for (int m = 0, batch = z.Length / n; m < batch; m++)
        {
            int o = m * n * n, v = m * n, bv = m * bStride;
            for (int i = 0; i < n; i++)
            {
                int rowI = o + i * n;
                float t = b[bv + i];
                for (int k = 0; k < i; k++) t -= l[rowI + k] * z[v + k];
                z[v + i] = t / l[rowI + i];
            }
        }
    }

    /// <summary><see cref="CholeskyKernels.SolveLowerBackward"/>.</summary>
    public static void SolveLowerBackward(ReadOnlySpan<float> l, ReadOnlySpan<float> z, ReadOnlySpan<float> zbar, Span<float> w,
        Span<float> lgradient, int n, bool addToL)
    {
        for (int m = 0, batch = z.Length / n; m < batch; m++)
        {
            int o = m * n * n, v = m * n;
            for (int i = n - 1; i >= 0; i--)
            {
                float t = zbar[v + i];
                for (int k = i + 1; k < n; k++) t -= l[o + k * n + i] * w[v + k];
                w[v + i] = t / l[o + i * n + i];
            }
            if (!addToL) continue;
            for (int i = 0; i < n; i++)
            for (int k = 0; k <= i; k++)
                lgradient[o + i * n + k] -= w[v + i] * z[v + k];
        }
    }

    /// <summary><see cref="CholeskyKernels.Diagonal"/>.</summary>
    public static void Diagonal(ReadOnlySpan<float> x, Span<float> output, int n)
    {
        for (int e = 0; e < output.Length; e++) output[e] = x[e / n * n * n + e % n * (n + 1)];
    }

    /// <summary><see cref="CholeskyKernels.DiagonalBackward"/>.</summary>
    public static void DiagonalBackward(ReadOnlySpan<float> g, Span<float> gradient, int n)
    {
        for (int e = 0; e < g.Length; e++) gradient[e / n * n * n + e % n * (n + 1)] += g[e];
    }
}

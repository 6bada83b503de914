using ILGPU;
using ILGPU.Algorithms;
using TorchEbm.Launch;

namespace TorchEbm.LinearAlgebra;

/// <summary>
/// Batched small dense factorisations for per-chain matrices (a Gaussian process's kernel matrix, n up to a few tens):
/// Cholesky factor, lower triangular solve and the diagonal, each with its backward step. One matrix per work item,
/// grid-stride over the batch; matrices are rows of a (batch, n * n) row-major tensor, vectors rows of (batch, n).
/// </summary>
/// <remarks>
/// The backward steps are the reverse sweeps of the forward loops (Murray 2016, "Differentiation of the Cholesky
/// decomposition", arXiv 1602.07527, unblocked): O(n^3) per matrix like the forward pass, no extra matrix stored.
/// A matrix that is not positive definite (a pivot not above 0, or NaN) gets a factor of NaN everywhere, so the
/// energy computed from it is NaN and a sampler rejects the proposal.
/// </remarks>
public static class CholeskyKernels
{
    /// <summary>
    /// l = the lower Cholesky factor of each matrix of a, reading only its lower triangle (LAPACK potrf 'L'); the upper
    /// triangle of l is 0. A matrix that is not positive definite gets NaN in every entry (work items: batch).
    /// </summary>
    [Kernel]
    public static void Factor(ArrayView<float> a, ArrayView<float> l, int n)
    {
        int size = n * n, batch = l.IntLength / size, stride = GridStride.Stride;
        for (int m = GridStride.Start; m < batch; m += stride)
        {
            long o = (long)m * size;
            bool definite = true;
            for (int j = 0; j < n && definite; j++)
            {
                long rowJ = o + (long)j * n;
                float pivot = a[rowJ + j];
                for (int k = 0; k < j; k++) pivot -= l[rowJ + k] * l[rowJ + k];
                definite = pivot > 0f; // false for NaN too
                float d = XMath.Sqrt(pivot);
                l[rowJ + j] = d;
                for (int k = j + 1; k < n; k++) l[rowJ + k] = 0f;
                for (int i = j + 1; i < n; i++)
                {
                    long rowI = o + (long)i * n;
                    float t = a[rowI + j];
                    for (int k = 0; k < j; k++) t -= l[rowI + k] * l[rowJ + k];
                    l[rowI + j] = t / d;
                }
            }
            if (!definite)
                for (int i = 0; i < size; i++) l[o + i] = float.NaN;
        }
    }

    /// <summary>
    /// The backward step of <see cref="Factor"/>: given L and lbar = dS/dL (a scratch copy, overwritten), adds dS/dA to
    /// the lower triangle of gradient (the upper triangle of A is not read, so its gradient is 0). The forward loop
    /// run backwards, columns last to first (work items: batch).
    /// </summary>
    [Kernel]
    public static void FactorBackward(ArrayView<float> l, ArrayView<float> lbar, ArrayView<float> gradient, int n)
    {
        int size = n * n, batch = l.IntLength / size, stride = GridStride.Stride;
        for (int m = GridStride.Start; m < batch; m += stride)
        {
            long o = (long)m * size;
            for (int j = n - 1; j >= 0; j--)
            {
                long rowJ = o + (long)j * n;
                float d = l[rowJ + j];
                // L[i, j] = (A[i, j] - sum_k L[i, k] L[j, k]) / L[j, j] for i > j.
                for (int i = n - 1; i > j; i--)
                {
                    long rowI = o + (long)i * n;
                    float f = lbar[rowI + j] / d;
                    gradient[rowI + j] += f;
                    for (int k = 0; k < j; k++)
                    {
                        lbar[rowI + k] -= f * l[rowJ + k];
                        lbar[rowJ + k] -= f * l[rowI + k];
                    }
                    lbar[rowJ + j] -= f * l[rowI + j];
                }
                // L[j, j] = sqrt(A[j, j] - sum_k L[j, k]^2).
                float half = lbar[rowJ + j] / (2f * d);
                gradient[rowJ + j] += half;
                for (int k = 0; k < j; k++) lbar[rowJ + k] -= 2f * half * l[rowJ + k];
            }
        }
    }

    /// <summary>
    /// z = L^-1 b for each lower triangular L of l (forward substitution, only the lower triangle read); b is (batch, n)
    /// with bStride = n, or one vector (n) shared by every matrix with bStride = 0 (work items: batch).
    /// </summary>
    [Kernel]
    public static void SolveLower(ArrayView<float> l, ArrayView<float> b, ArrayView<float> z, int n, int bStride)
    {
        int batch = z.IntLength / n, stride = GridStride.Stride;
        for (int m = GridStride.Start; m < batch; m += stride)
        {
            long o = (long)m * n * n, v = (long)m * n, bv = (long)m * bStride;
            for (int i = 0; i < n; i++)
            {
                long rowI = o + (long)i * n;
                float t = b[bv + i];
                for (int k = 0; k < i; k++) t -= l[rowI + k] * z[v + k];
                z[v + i] = t / l[rowI + i];
            }
        }
    }

    /// <summary>
    /// The backward step of <see cref="SolveLower"/>: w = L^-T zbar (back substitution) into w, the gradient of b per
    /// matrix; with addToL = 1 also lgradient[i, k] -= w_i z_k for k &lt;= i, the gradient of L (work items: batch).
    /// </summary>
    [Kernel]
    public static void SolveLowerBackward(ArrayView<float> l, ArrayView<float> z, ArrayView<float> zbar, ArrayView<float> w,
        ArrayView<float> lgradient, int n, int addToL)
    {
        int batch = z.IntLength / n, stride = GridStride.Stride;
        for (int m = GridStride.Start; m < batch; m += stride)
        {
            long o = (long)m * n * n, v = (long)m * n;
            for (int i = n - 1; i >= 0; i--)
            {
                float t = zbar[v + i];
                for (int k = i + 1; k < n; k++) t -= l[o + (long)k * n + i] * w[v + k];
                w[v + i] = t / l[o + (long)i * n + i];
            }
            if (addToL == 0) continue;
            for (int i = 0; i < n; i++)
            for (int k = 0; k <= i; k++)
                lgradient[o + (long)i * n + k] -= w[v + i] * z[v + k];
        }
    }

    /// <summary>output[m, i] = x[m, i * (n + 1)]: the diagonal of each matrix (work items: batch * n).</summary>
    [Kernel]
    public static void Diagonal(ArrayView<float> x, ArrayView<float> output, int n)
    {
        int items = output.IntLength, stride = GridStride.Stride;
        for (int e = GridStride.Start; e < items; e += stride)
        {
            int m = e / n, i = e - m * n;
            output[e] = x[(long)m * n * n + (long)i * (n + 1)];
        }
    }

    /// <summary>gradient[m, i * (n + 1)] += g[m, i]: the backward step of <see cref="Diagonal"/> (work items: batch * n).</summary>
    [Kernel]
    public static void DiagonalBackward(ArrayView<float> g, ArrayView<float> gradient, int n)
    {
        int items = g.IntLength, stride = GridStride.Stride;
        for (int e = GridStride.Start; e < items; e += stride)
        {
            int m = e / n, i = e - m * n;
            gradient[(long)m * n * n + (long)i * (n + 1)] += g[e];
        }
    }
}

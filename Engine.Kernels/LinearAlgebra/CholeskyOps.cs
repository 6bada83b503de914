using ILGPU;
using TorchEbm.Elementwise;

namespace TorchEbm.LinearAlgebra;

/// <summary>
/// The one place the tape's Cholesky, triangular solve and diagonal ops choose their implementation, as
/// <see cref="ElementwiseOps"/> does: host code (<see cref="HostCholesky"/>) in the CPU accelerator's memory, where a
/// launch costs more than a batch of small matrices; the kernels of <see cref="CholeskyKernels"/> on a GPU. Matrices are
/// rows of (batch, n * n), vectors rows of (batch, n); arguments are checked by the callers.
/// </summary>
internal static class CholeskyOps
{
    /// <summary>l = chol(a) per matrix (<see cref="CholeskyKernels.Factor"/>).</summary>
    public static void Factor(Device device, ArrayView<float> a, ArrayView<float> l, int n, int batch)
    {
        if (!ElementwiseOps.OnHost(device)) { device.Launch(CholeskyKernels.Factor, batch, a, l, n); return; }
        HostCholesky.Factor(HostMemory.Of(a), HostMemory.Of(l), n);
        KeepAlive(a, l);
    }

    /// <summary>gradient += dS/dA from L and lbar (overwritten) (<see cref="CholeskyKernels.FactorBackward"/>).</summary>
    public static void FactorBackward(Device device, ArrayView<float> l, ArrayView<float> lbar, ArrayView<float> gradient, int n, int batch)
    {
        if (!ElementwiseOps.OnHost(device)) { device.Launch(CholeskyKernels.FactorBackward, batch, l, lbar, gradient, n); return; }
        HostCholesky.FactorBackward(HostMemory.Of(l), HostMemory.Of(lbar), HostMemory.Of(gradient), n);
        KeepAlive(l, lbar, gradient);
    }

    /// <summary>z = L^-1 b per matrix, b shared when bStride is 0 (<see cref="CholeskyKernels.SolveLower"/>).</summary>
    public static void SolveLower(Device device, ArrayView<float> l, ArrayView<float> b, ArrayView<float> z, int n, int bStride, int batch)
    {
        if (!ElementwiseOps.OnHost(device)) { device.Launch(CholeskyKernels.SolveLower, batch, l, b, z, n, bStride); return; }
        HostCholesky.SolveLower(HostMemory.Of(l), HostMemory.Of(b), HostMemory.Of(z), n, bStride);
        KeepAlive(l, b, z);
    }

    /// <summary>w = L^-T zbar, and lgradient -= w z^T (lower) when addToL (<see cref="CholeskyKernels.SolveLowerBackward"/>).</summary>
    public static void SolveLowerBackward(Device device, ArrayView<float> l, ArrayView<float> z, ArrayView<float> zbar, ArrayView<float> w,
        ArrayView<float> lgradient, int n, bool addToL, int batch)
    {
        if (!ElementwiseOps.OnHost(device))
        {
            device.Launch(CholeskyKernels.SolveLowerBackward, batch, l, z, zbar, w, lgradient, n, addToL ? 1 : 0);
            return;
        }
        HostCholesky.SolveLowerBackward(HostMemory.Of(l), HostMemory.Of(z), HostMemory.Of(zbar), HostMemory.Of(w), HostMemory.Of(lgradient), n, addToL);
        KeepAlive(l, z, zbar);
        KeepAlive(w, lgradient);
    }

    /// <summary>output = the diagonal of each matrix (<see cref="CholeskyKernels.Diagonal"/>).</summary>
    public static void Diagonal(Device device, ArrayView<float> x, ArrayView<float> output, int n)
    {
        if (!ElementwiseOps.OnHost(device)) { device.Launch(CholeskyKernels.Diagonal, output.Length, x, output, n); return; }
        HostCholesky.Diagonal(HostMemory.Of(x), HostMemory.Of(output), n);
        HostMemory.KeepAlive(x);
        HostMemory.KeepAlive(output);
    }

    /// <summary>gradient's diagonals += g (<see cref="CholeskyKernels.DiagonalBackward"/>).</summary>
    public static void DiagonalBackward(Device device, ArrayView<float> g, ArrayView<float> gradient, int n)
    {
        if (!ElementwiseOps.OnHost(device)) { device.Launch(CholeskyKernels.DiagonalBackward, g.Length, g, gradient, n); return; }
        HostCholesky.DiagonalBackward(HostMemory.Of(g), HostMemory.Of(gradient), n);
        HostMemory.KeepAlive(g);
        HostMemory.KeepAlive(gradient);
    }

    private static void KeepAlive(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c)
    {
        HostMemory.KeepAlive(a);
        HostMemory.KeepAlive(b);
        HostMemory.KeepAlive(c);
    }

    private static void KeepAlive(ArrayView<float> a, ArrayView<float> b)
    {
        HostMemory.KeepAlive(a);
        HostMemory.KeepAlive(b);
    }
}

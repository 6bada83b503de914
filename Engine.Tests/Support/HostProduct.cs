using TorchEbm.LinearAlgebra;

namespace TorchEbm.Tests.Support;

/// <summary>The float64 reference every matrix product (ILGPU kernels, the host SIMD product) is checked against.</summary>
public static class HostProduct
{
    /// <summary>C = op(A) op(B) (+ C0 when accumulating) in float64, each element within float32's summation error of k terms.</summary>
    public static void AssertMatches(float[] actual, float[] a, float[] b, float[] c0, MatMulShape shape, bool ta, bool tb, string label)
    {
        int m = shape.M, n = shape.N, k = shape.K;
        bool accumulate = shape.Accumulate != 0;
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double sum = accumulate ? c0[i * n + j] : 0, size = accumulate ? Math.Abs(c0[i * n + j]) : 0;
            for (int p = 0; p < k; p++)
            {
                double term = (double)a[ta ? p * m + i : i * k + p] * b[tb ? j * k + p : p * n + j];
                sum += term;
                size += Math.Abs(term);
            }
            // float32 summation of k terms: error bounded by ~k * eps * sum |terms|.
            Assert.That(actual[i * n + j], Is.EqualTo(sum).Within(1e-6 * (k + 1) * size + 1e-7), $"C[{i}, {j}] {label}");
        }
    }
}

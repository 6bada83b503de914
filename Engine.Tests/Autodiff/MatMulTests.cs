using ILGPU.Runtime;
using TorchEbm.LinearAlgebra;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Autodiff;

/// <summary>Both product kernels (register-blocked and shared-memory tiled) against a float64 host product, in every transpose combination.</summary>
public sealed class MatMulTests(DeviceKind kind) : DeviceTest(kind)
{
    [TestCase(1, 1, 1, false)]
    [TestCase(7, 130, 33, false)]
    [TestCase(256, 128, 128, false)]
    [TestCase(1, 64, 9, false)]
    [TestCase(9, 64, 1, false)]
    [TestCase(5, 1, 6, false)]
    [TestCase(1, 1, 1, true)]
    [TestCase(7, 130, 33, true)]
    [TestCase(40, 17, 50, true)]
    [TestCase(1, 64, 9, true)]
    [TestCase(9, 64, 1, true)]
    public void Product_MatchesFloat64Reference(int m, int k, int n, bool tiled)
    {
        var random = new System.Random(m * 1000 + k * 10 + n);
        foreach ((bool ta, bool tb) in new[] { (false, false), (false, true), (true, false), (true, true) })
        {
            float[] a = Draw(random, m * k), b = Draw(random, k * n), c0 = Draw(random, m * n);
            using Tensor ta_ = Device.FromArray(a, ta ? [k, m] : [m, k]);
            using Tensor tb_ = Device.FromArray(b, tb ? [n, k] : [k, n]);
            using Tensor c = Device.FromArray(c0, m, n);
            foreach (bool accumulate in new[] { false, true })
            {
                c.View.CopyFromCPU(c0);
                MatMulShape shape = MatMulShape.Of(m, n, k, ta, tb, accumulate);
                if (tiled)
                    Device.Launch(MatMulKernels.MultiplyTiled, MatMulKernels.TiledWorkItems(shape), ta_.View, tb_.View, c.View, shape);
                else
                    Device.Launch(MatMulKernels.Multiply, MatMulKernels.WorkItems(shape), ta_.View, tb_.View, c.View, shape);
                HostProduct.AssertMatches(c.ToArray(), a, b, c0, shape, ta, tb, $"transposeA={ta} transposeB={tb} accumulate={accumulate}");
            }
        }
    }

    private static float[] Draw(System.Random random, int n) => Enumerable.Range(0, n).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray();
}

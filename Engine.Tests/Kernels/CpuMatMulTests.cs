using ILGPU;
using TorchEbm.Autodiff;
using TorchEbm.LinearAlgebra;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Kernels;

/// <summary>
/// The host SIMD product against its ILGPU twin (<see cref="MatMulKernels.Multiply"/> on the CPU accelerator) and a
/// float64 host product, for every transpose and accumulate combination. It exists only for CPU-accelerator memory, so
/// these tests use a CPU device whatever the machine has.
/// </summary>
public sealed class CpuMatMulTests
{
    private Device? _device;

    private Device Device => _device ?? throw new InvalidOperationException("OneTimeSetUp did not run.");

    [OneTimeSetUp]
    public void CreateDevice() => _device = Device.Create(DeviceKind.Cpu);

    [OneTimeTearDown]
    public void DisposeDevice() => _device?.Dispose();

    private static readonly (bool A, bool B)[] Transposes = [(false, false), (false, true), (true, false), (true, true)];

    // Sizes around the micro-kernel's 6 x 16 block, the 256-deep slices of k, the 144-row blocks, and the parallel path.
    [TestCase(1, 1, 1)]
    [TestCase(1, 1, 17)]
    [TestCase(2, 3, 5)]
    [TestCase(5, 1, 6)]
    [TestCase(6, 8, 16)]
    [TestCase(7, 130, 33)]
    [TestCase(1, 64, 9)]
    [TestCase(9, 64, 1)]
    [TestCase(40, 17, 50)]
    [TestCase(13, 257, 17)]
    [TestCase(31, 513, 47)]
    [TestCase(150, 70, 35)]
    [TestCase(289, 300, 65)]
    [TestCase(256, 128, 128)]
    public void Multiply_MatchesIlgpuKernelAndFloat64Product(int m, int k, int n)
    {
        var random = new System.Random(m * 1000 + k * 10 + n);
        foreach ((bool ta, bool tb) in Transposes)
        foreach (bool accumulate in new[] { false, true })
        {
            float[] a = Draw(random, m * k), b = Draw(random, k * n), c0 = Draw(random, m * n);
            MatMulShape shape = MatMulShape.Of(m, n, k, ta, tb, accumulate);
            using Tensor ta_ = Device.FromArray(a, ta ? [k, m] : [m, k]), tb_ = Device.FromArray(b, tb ? [n, k] : [k, n]);
            using Tensor native = Device.FromArray(c0, m, n), kernel = Device.FromArray(c0, m, n);
            CpuMatMul.Multiply(ta_.View, tb_.View, native.View, shape);
            Device.Launch(MatMulKernels.Multiply, MatMulKernels.WorkItems(shape), ta_.View, tb_.View, kernel.View, shape);
            string label = $"transposeA={ta} transposeB={tb} accumulate={accumulate}";
            float[] actual = native.ToArray();
            // The two sum in different orders (slices of k, FMA): equal to float tolerance, norm-wise.
            Assert.That(RelativeError(actual, kernel.ToArray()), Is.LessThanOrEqualTo(1e-5), label);
            HostProduct.AssertMatches(actual, a, b, c0, shape, ta, tb, label);
        }
    }

    /// <summary>Operands at offsets into larger buffers, NaN around them: only the views are read, only C's view written.</summary>
    [Test]
    public void Multiply_ReadsAndWritesOnlyViewsAtAnOffset()
    {
        const int m = 11, k = 21, n = 19, offset = 5, tail = 3;
        var random = new System.Random(3);
        foreach ((bool ta, bool tb) in Transposes)
        {
            float[] a = Draw(random, m * k), b = Draw(random, k * n), c0 = Draw(random, m * n);
            using Tensor ta_ = Device.FromArray(Padded(a, float.NaN), offset + a.Length + tail);
            using Tensor tb_ = Device.FromArray(Padded(b, float.NaN), offset + b.Length + tail);
            using Tensor tc = Device.FromArray(Padded(c0, -7f), offset + c0.Length + tail);
            MatMulShape shape = MatMulShape.Of(m, n, k, ta, tb, accumulate: true);
            CpuMatMul.Multiply(ta_.View.SubView(offset, a.Length), tb_.View.SubView(offset, b.Length), tc.View.SubView(offset, c0.Length), shape);
            float[] actual = tc.ToArray();
            string label = $"transposeA={ta} transposeB={tb}";
            Assert.That(actual[..offset], Is.All.EqualTo(-7f), $"before the view, {label}");
            Assert.That(actual[(offset + m * n)..], Is.All.EqualTo(-7f), $"after the view, {label}");
            HostProduct.AssertMatches(actual[offset..(offset + m * n)], a, b, c0, shape, ta, tb, label);
        }

        static float[] Padded(float[] values, float pad) =>
            [.. Enumerable.Repeat(pad, offset), .. values, .. Enumerable.Repeat(pad, tail)];
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Multiply_WithEmptySum_ClearsOrKeepsC(bool accumulate)
    {
        float[] c0 = [1f, 2f, 3f, 4f, 5f, 6f];
        using Tensor a = Device.Zeros(1), b = Device.Zeros(1), c = Device.FromArray(c0, 2, 3);
        CpuMatMul.Multiply(a.View, b.View, c.View, MatMulShape.Of(2, 3, 0, false, false, accumulate));
        Assert.That(c.ToArray(), Is.EqualTo(accumulate ? c0 : new float[6]));
    }

    [Test]
    public void Multiply_ThrowsForTooShortViews_BeforeWriting()
    {
        using Tensor a = Device.Zeros(4, 3), b = Device.Zeros(3, 5), c = Device.FromArray(Enumerable.Repeat(7f, 20).ToArray(), 4, 5);
        MatMulShape shape = MatMulShape.Of(4, 5, 3, false, false, false);
        Assert.That(Assert.Throws<ArgumentException>(() => CpuMatMul.Multiply(a.View.SubView(1), b.View, c.View, shape))!.ParamName, Is.EqualTo("a"));
        Assert.That(Assert.Throws<ArgumentException>(() => CpuMatMul.Multiply(a.View, b.View.SubView(1), c.View, shape))!.ParamName, Is.EqualTo("b"));
        Assert.That(Assert.Throws<ArgumentException>(() => CpuMatMul.Multiply(a.View, b.View, c.View.SubView(1), shape))!.ParamName, Is.EqualTo("c"));
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuMatMul.Multiply(a.View, b.View, c.View, shape with { M = -1 }));
        Assert.That(c.ToArray(), Is.All.EqualTo(7f));
    }

    /// <summary>
    /// A launch on the CPU accelerator has finished when it returns (ILGPU 1.5.3 runs it to completion on the calling
    /// thread's behalf), so the host product reads the kernel's output without synchronising: a product of a product,
    /// launched back to back, equals the same computed with a synchronisation in between.
    /// </summary>
    [Test]
    public void Multiply_RightAfterAKernelLaunch_ReadsItsFinishedOutput()
    {
        const int m = 512, k = 256, n = 128;
        var random = new System.Random(5);
        using Tensor a = Device.FromArray(Draw(random, m * k), m, k), b = Device.FromArray(Draw(random, k * n), k, n);
        using Tensor w = Device.FromArray(Draw(random, n * n), n, n);
        MatMulShape first = MatMulShape.Of(m, n, k, false, false, false), second = MatMulShape.Of(m, n, n, false, false, false);
        float[] Run(bool synchronize)
        {
            using Tensor ab = Device.FromArray(Enumerable.Repeat(float.NaN, m * n).ToArray(), m, n), abw = Device.Zeros(m, n);
            Device.Launch(MatMulKernels.Multiply, MatMulKernels.WorkItems(first), a.View, b.View, ab.View, first);
            if (synchronize) Device.Synchronize();
            CpuMatMul.Multiply(ab.View, w.View, abw.View, second);
            return abw.ToArray();
        }
        float[] synchronized = Run(true);
        Assert.That(synchronized, Has.None.NaN);
        Assert.That(Run(false), Is.EqualTo(synchronized));
    }

    [Test]
    public void Multiply_BelowTheParallelSize_AllocatesNothing()
    {
        using Tensor a = Device.Randn(24, 20, 1), b = Device.Randn(20, 30, 2), c = Device.Zeros(24, 30);
        MatMulShape shape = MatMulShape.Of(24, 30, 20, false, false, accumulate: true);
        CpuMatMul.Multiply(a.View, b.View, c.View, shape); // warm up the array pool
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) CpuMatMul.Multiply(a.View, b.View, c.View, shape);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    /// <summary>The tape's products on the CPU accelerator take the host path: no kernel is launched for them.</summary>
    [Test]
    public void TapeProduct_OnCpu_LaunchesNoKernel()
    {
        Assume.That(CpuMatMul.IsSupported, "no 256-bit vectors here: the tape keeps the ILGPU kernel");
        using var x = new Var(Device.Randn(8, 5, 1), requiresGrad: true);
        using var w = new Var(Device.Randn(3, 5, 2), requiresGrad: true);
        long launches = Device.LaunchCount;
        using Var y = x.MatMulTransposed(w);
        Assert.That(Device.LaunchCount, Is.EqualTo(launches));
    }

    private static double RelativeError(float[] actual, float[] expected)
    {
        double difference = 0, norm = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            difference += Math.Pow(actual[i] - (double)expected[i], 2);
            norm += Math.Pow(expected[i], 2);
        }
        return Math.Sqrt(difference / Math.Max(norm, double.Epsilon));
    }

    private static float[] Draw(System.Random random, int n) => Enumerable.Range(0, n).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray();
}

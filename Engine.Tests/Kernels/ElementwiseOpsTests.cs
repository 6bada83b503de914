using TorchEbm.Elementwise;
using TorchEbm.Reductions;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Kernels;

/// <summary>
/// The host code <see cref="ElementwiseOps"/> runs on the CPU accelerator against the ILGPU kernel it stands in for, run
/// on the same accelerator: bit for bit, since each host twin does the kernel's float operations in the kernel's order
/// (vectors only across independent elements, no fused multiply-add). Lengths sweep the 8-float vector edges.
/// </summary>
public sealed class ElementwiseOpsTests(DeviceKind kind) : DeviceTest(kind)
{
    private static readonly int[] Lengths = [1, 2, 7, 8, 9, 31, 33, 1003];

    [SetUp]
    public void OnlyOnTheCpu() => Assume.That(Device.Kind == DeviceKind.Cpu, "the host twins run on the CPU accelerator only");

    private Tensor Random(int n, int seed, float shift = 0f)
    {
        var random = new Random(seed);
        // Values away from 0 where shift is set (divisors); negative zeros included, where signs of zero could differ.
        return Device.FromArray(Enumerable.Range(0, n).Select(i => i % 17 == 3 && shift == 0f ? -0f : 4f * (random.NextSingle() - 0.5f) + shift).ToArray(), n);
    }

    private static void AssertBitIdentical(Tensor host, Tensor kernel, string what)
    {
        int[] actual = host.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
        int[] expected = kernel.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
        Assert.That(actual, Is.EqualTo(expected), what);
    }

    [Test]
    public void FlatOps_AreBitIdenticalToTheirKernels([ValueSource(nameof(Lengths))] int n)
    {
        using Tensor a = Random(n, 1), b = Random(n, 2), s = Random(1, 3);
        (string Name, Action<Tensor> Host, Action<Tensor> Kernel)[] ops =
        [
            ("Scale", o => ElementwiseOps.Scale(Device, a.View, o.View, 0.37f), o => Device.Launch(ElementwiseKernels.Scale, n, a.View, o.View, 0.37f)),
            ("AddScaled", o => ElementwiseOps.AddScaled(Device, a.View, o.View, -1.3f), o => Device.Launch(ElementwiseKernels.AddScaled, n, a.View, o.View, -1.3f)),
            ("Affine", o => ElementwiseOps.Affine(Device, a.View, o.View, 0.7f, -0.1f), o => Device.Launch(ElementwiseKernels.Affine, n, a.View, o.View, 0.7f, -0.1f)),
            ("Combine", o => ElementwiseOps.Combine(Device, a.View, b.View, o.View, -1f), o => Device.Launch(ElementwiseKernels.Combine, n, a.View, b.View, o.View, -1f)),
            ("Multiply", o => ElementwiseOps.Multiply(Device, a.View, b.View, o.View), o => Device.Launch(ElementwiseKernels.Multiply, n, a.View, b.View, o.View)),
            ("MultiplyAdd", o => ElementwiseOps.MultiplyAdd(Device, a.View, b.View, o.View), o => Device.Launch(ElementwiseKernels.MultiplyAdd, n, a.View, b.View, o.View)),
            ("AddBroadcast", o => ElementwiseOps.AddBroadcast(Device, s.View, o.View, 0.25f), o => Device.Launch(ElementwiseKernels.AddBroadcast, n, s.View, o.View, 0.25f)),
        ];
        foreach ((string name, Action<Tensor> host, Action<Tensor> kernel) in ops)
        {
            // Outputs start from the same values, so the accumulating ops add to something.
            using Tensor hostOut = Random(n, 4), kernelOut = Random(n, 4);
            host(hostOut);
            kernel(kernelOut);
            AssertBitIdentical(hostOut, kernelOut, name);
        }
    }

    [TestCase(1, 1)]
    [TestCase(3, 1)]
    [TestCase(5, 7)]
    [TestCase(4, 16)]
    [TestCase(33, 9)]
    [TestCase(128, 128)]
    public void AddRowAndColumnSums_AreBitIdenticalToTheirKernels(int rows, int cols)
    {
        using Tensor m = Random(rows * cols, 5), row = Random(cols, 6);
        using Tensor hostOut = Random(rows * cols, 7), kernelOut = Random(rows * cols, 7);
        ElementwiseOps.AddRow(Device, m.View, row.View, hostOut.View);
        Device.Launch(ElementwiseKernels.AddRow, m.Length, m.View, row.View, kernelOut.View);
        AssertBitIdentical(hostOut, kernelOut, "AddRow");
        foreach (bool accumulate in new[] { false, true })
        {
            using Tensor hostSums = Random(cols, 8), kernelSums = Random(cols, 8);
            ElementwiseOps.ColumnSums(Device, m.View, hostSums.View, accumulate);
            Device.Launch(ReductionKernels.ColumnSums, cols, m.View, kernelSums.View, accumulate ? 1 : 0);
            AssertBitIdentical(hostSums, kernelSums, $"ColumnSums, accumulate {accumulate}");
        }
    }

    [TestCase(1, 1, 0, 1)]
    [TestCase(5, 3, 1, 1)]
    [TestCase(7, 16, 0, 16)]
    [TestCase(9, 20, 3, 11)]
    [TestCase(128, 16, 15, 1)]
    public void ColumnOps_AreBitIdenticalToTheirKernels(int rows, int dim, int start, int count)
    {
        using Tensor x = Random(rows * dim, 9), g = Random(rows * count, 10), rowG = Random(rows, 11);
        foreach (bool accumulate in new[] { false, true })
        {
            using Tensor hostOut = Random(rows * count, 12), kernelOut = Random(rows * count, 12);
            ElementwiseOps.Gather(Device, x.View, hostOut.View, dim, start, count, accumulate);
            Device.Launch(ColumnKernels.Gather, kernelOut.Length, x.View, kernelOut.View, dim, start, count, accumulate ? 1 : 0);
            AssertBitIdentical(hostOut, kernelOut, $"Gather, accumulate {accumulate}");
        }
        using Tensor hostGrad = Random(rows * dim, 13), kernelGrad = Random(rows * dim, 13);
        ElementwiseOps.ScatterAdd(Device, g.View, hostGrad.View, dim, start, count);
        Device.Launch(ColumnKernels.ScatterAdd, g.Length, g.View, kernelGrad.View, dim, start, count);
        AssertBitIdentical(hostGrad, kernelGrad, "ScatterAdd");

        using Tensor hostSums = Device.Allocate([rows]), kernelSums = Device.Allocate([rows]);
        ElementwiseOps.RowSums(Device, x.View, hostSums.View, dim, 0.3f);
        Device.Launch(ColumnKernels.RowSums, rows, x.View, kernelSums.View, dim, 0.3f);
        AssertBitIdentical(hostSums, kernelSums, "RowSums");

        ElementwiseOps.AddToRows(Device, rowG.View, hostGrad.View, dim, -0.5f);
        Device.Launch(ColumnKernels.AddToRows, kernelGrad.Length, rowG.View, kernelGrad.View, dim, -0.5f);
        AssertBitIdentical(hostGrad, kernelGrad, "AddToRows");
    }

    [TestCase(1)]
    [TestCase(255)]
    [TestCase(256)]
    [TestCase(257)]
    [TestCase(1024 * 16)]
    [TestCase(256 * 256 + 3)]
    public void Sum_IsBitIdenticalToTheBlockReduction(int n)
    {
        using Tensor x = Random(n, 14);
        using Tensor host = ElementwiseOps.Sum(x), kernel = Reduce.Sum(x);
        Assert.That(host.Shape, Is.EqualTo(new[] { 1 }));
        AssertBitIdentical(host, kernel, "Sum");
    }

    /// <summary>Output (rows, cols) and the operands' shapes, each dimension equal to the output's or 1.</summary>
    public static IEnumerable<TestCaseData> BroadcastCases()
    {
        (int R, int C, int Ar, int Ac, int Br, int Bc)[] shapes =
        [
            (5, 9, 5, 9, 1, 9), (5, 9, 1, 9, 5, 9), (33, 16, 33, 16, 33, 1), (33, 16, 33, 1, 33, 16), (7, 3, 7, 3, 1, 1),
            (7, 3, 1, 1, 7, 3), (1, 17, 1, 17, 1, 1), (6, 8, 6, 1, 1, 8), (128, 2, 128, 2, 1, 2), (4, 4, 4, 4, 4, 4),
        ];
        foreach (var s in shapes)
            for (int op = 0; op < 4; op++)
                yield return new TestCaseData(new Broadcast(s.R, s.C, s.Ar, s.Ac, s.Br, s.Bc), op)
                    .SetArgDisplayNames($"({s.R},{s.C}) = ({s.Ar},{s.Ac}) {"+-*/"[op]} ({s.Br},{s.Bc})");
    }

    [TestCaseSource(nameof(BroadcastCases))]
    public void Broadcast_ForwardAndBackward_AreBitIdenticalToTheirKernels(Broadcast shape, int op)
    {
        using Tensor a = Random(shape.ARows * shape.ACols, 15, shift: op == 3 ? 3f : 0f);
        using Tensor b = Random(shape.BRows * shape.BCols, 16, shift: op == 3 ? 3f : 0f);
        using Tensor g = Random(shape.Rows * shape.Cols, 17);
        using Tensor hostOut = Device.Allocate([shape.Rows * shape.Cols]), kernelOut = Device.Allocate([shape.Rows * shape.Cols]);
        ElementwiseOps.BroadcastForward(Device, a.View, b.View, hostOut.View, shape, op);
        Device.Launch(BroadcastKernels.Forward, hostOut.Length, a.View, b.View, kernelOut.View, shape, op);
        AssertBitIdentical(hostOut, kernelOut, "forward");
        for (int operand = 0; operand < 2; operand++)
        {
            int length = operand == 0 ? a.Length : b.Length;
            using Tensor hostGrad = Random(length, 18), kernelGrad = Random(length, 18);
            ElementwiseOps.BroadcastBackward(Device, g.View, a.View, b.View, hostGrad.View, shape, op, operand);
            Device.Launch(BroadcastKernels.Backward, length, g.View, a.View, b.View, kernelGrad.View, shape, op, operand);
            AssertBitIdentical(hostGrad, kernelGrad, $"backward of operand {operand}");
        }
    }

    [Test]
    public void Full_IsBitIdenticalToTheFillKernel([ValueSource(nameof(Lengths))] int n)
    {
        using Tensor host = Device.Full(-0.3f, n), kernel = Device.Allocate([n]);
        Device.Launch(TorchEbm.Fill.FillKernels.Constant, n, kernel.View, -0.3f);
        AssertBitIdentical(host, kernel, "Full");
    }

    [Test]
    public void HostOps_OnADisposedTensor_Throw()
    {
        Tensor a = Random(8, 19);
        using Tensor o = Device.Allocate([8]);
        a.Dispose();
        Assert.Throws<ObjectDisposedException>(() => ElementwiseOps.Scale(Device, a.View, o.View, 2f));
    }
}

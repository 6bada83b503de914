using TorchEbm.LinearAlgebra;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Kernels;

/// <summary>
/// The host code <see cref="CholeskyOps"/> runs on the CPU accelerator against the <see cref="CholeskyKernels"/> it stands
/// in for, run on the same accelerator: bit for bit, including the NaN factor of a matrix that is not positive definite.
/// </summary>
public sealed class CholeskyOpsTests(DeviceKind kind) : DeviceTest(kind)
{
    [SetUp]
    public void OnlyOnTheCpu() => Assume.That(Device.Kind == DeviceKind.Cpu, "the host twins run on the CPU accelerator only");

    /// <summary>batch random matrices A A^T / n + I (the last one made indefinite when batch &gt; 2), row-major.</summary>
    private Tensor Matrices(int batch, int n, int seed)
    {
        var random = new Random(seed);
        var values = new float[batch * n * n];
        for (int m = 0; m < batch; m++)
        {
            float[] a = Enumerable.Range(0, n * n).Select(_ => 2f * random.NextSingle() - 1f).ToArray();
            for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                float s = i == j ? 1f : 0f;
                for (int k = 0; k < n; k++) s += a[i * n + k] * a[j * n + k] / n;
                values[m * n * n + i * n + j] = s;
            }
        }
        if (batch > 2) values[(batch - 1) * n * n] = -1f;
        return Device.FromArray(values, batch, n * n);
    }

    private Tensor Random(int[] shape, int seed)
    {
        var random = new Random(seed);
        return Device.FromArray(Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => 2f * random.NextSingle() - 1f).ToArray(), shape);
    }

    private static void AssertBitIdentical(Tensor host, Tensor kernel, string what) =>
        Assert.That(host.ToArray().Select(BitConverter.SingleToInt32Bits), Is.EqualTo(kernel.ToArray().Select(BitConverter.SingleToInt32Bits)), what);

    [TestCase(1, 1)]
    [TestCase(3, 2)]
    [TestCase(5, 7)]
    [TestCase(33, 12)]
    public void HostTwins_AreBitIdenticalToTheirKernels(int batch, int n)
    {
        using Tensor a = Matrices(batch, n, seed: batch * 31 + n);
        using Tensor hostL = Device.Zeros(batch, n * n), kernelL = Device.Zeros(batch, n * n);
        CholeskyOps.Factor(Device, a.View, hostL.View, n, batch);
        Device.Launch(CholeskyKernels.Factor, batch, a.View, kernelL.View, n);
        AssertBitIdentical(hostL, kernelL, "Factor");
        if (batch > 2) Assert.That(float.IsNaN(hostL.ToArray()[^1]), "the indefinite matrix's factor is NaN");

        using Tensor g = Random([batch, n * n], seed: 1), hostLbar = g.Clone(), kernelLbar = g.Clone();
        using Tensor hostGa = Random([batch, n * n], seed: 2), kernelGa = hostGa.Clone();
        CholeskyOps.FactorBackward(Device, hostL.View, hostLbar.View, hostGa.View, n, batch);
        Device.Launch(CholeskyKernels.FactorBackward, batch, kernelL.View, kernelLbar.View, kernelGa.View, n);
        AssertBitIdentical(hostGa, kernelGa, "FactorBackward");

        foreach (bool shared in new[] { false, true })
        {
            using Tensor b = Random(shared ? [n] : [batch, n], seed: 3), hostZ = Device.Zeros(batch, n), kernelZ = Device.Zeros(batch, n);
            CholeskyOps.SolveLower(Device, hostL.View, b.View, hostZ.View, n, shared ? 0 : n, batch);
            Device.Launch(CholeskyKernels.SolveLower, batch, kernelL.View, b.View, kernelZ.View, n, shared ? 0 : n);
            AssertBitIdentical(hostZ, kernelZ, $"SolveLower (shared b: {shared})");
        }

        using Tensor z = Random([batch, n], seed: 4), zbar = Random([batch, n], seed: 5);
        using Tensor hostW = Device.Zeros(batch, n), kernelW = Device.Zeros(batch, n);
        using Tensor hostGl = Random([batch, n * n], seed: 6), kernelGl = hostGl.Clone();
        CholeskyOps.SolveLowerBackward(Device, hostL.View, z.View, zbar.View, hostW.View, hostGl.View, n, addToL: true, batch);
        Device.Launch(CholeskyKernels.SolveLowerBackward, batch, kernelL.View, z.View, zbar.View, kernelW.View, kernelGl.View, n, 1);
        AssertBitIdentical(hostW, kernelW, "SolveLowerBackward w");
        AssertBitIdentical(hostGl, kernelGl, "SolveLowerBackward dL");

        using Tensor hostD = Device.Zeros(batch, n), kernelD = Device.Zeros(batch, n);
        CholeskyOps.Diagonal(Device, a.View, hostD.View, n);
        Device.Launch(CholeskyKernels.Diagonal, batch * n, a.View, kernelD.View, n);
        AssertBitIdentical(hostD, kernelD, "Diagonal");
        using Tensor hostDg = Random([batch, n * n], seed: 7), kernelDg = hostDg.Clone();
        CholeskyOps.DiagonalBackward(Device, zbar.View, hostDg.View, n);
        Device.Launch(CholeskyKernels.DiagonalBackward, batch * n, zbar.View, kernelDg.View, n);
        AssertBitIdentical(hostDg, kernelDg, "DiagonalBackward");
    }
}

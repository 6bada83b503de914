using TorchEbm.Bench.Timing;
using TorchEbm.LinearAlgebra;

namespace TorchEbm.Bench.LinearAlgebra;

/// <summary>
/// <c>Engine.Bench matmul [repetitions]</c>: GFLOP/s of the ILGPU register-blocked kernel and the host SIMD product on
/// the CPU accelerator, side by side in one run, for the three products of a 128 x 128 linear layer over a batch of
/// 1024 (forward x W^T, input gradient G W, weight gradient G^T X) and the plain (1024 x 128)(128 x 128); plus the
/// host product's managed allocations per call (all threads).
/// </summary>
public static class MatMulThroughput
{
    public static int Run(int repetitions)
    {
        using var device = Device.Create(DeviceKind.Cpu);
        Console.WriteLine($"{device}, {Environment.ProcessorCount} cores, median of {repetitions}; GFLOP/s = 2 M N K / time");
        Console.WriteLine($"{"product (M x K)(K x N)",-34} {"ILGPU",8} {"host",8} {"ratio",7} {"bytes/call",11}");
        Measure(device, "A B      (1024x128)(128x128)", MatMulShape.Of(1024, 128, 128, false, false, false), repetitions);
        Measure(device, "A B^T    x W^T, forward", MatMulShape.Of(1024, 128, 128, false, true, false), repetitions);
        Measure(device, "A B  +=  G W, input gradient", MatMulShape.Of(1024, 128, 128, false, false, true), repetitions);
        Measure(device, "A^T B += G^T X, weight gradient", MatMulShape.Of(128, 128, 1024, true, false, true), repetitions);
        return 0;
    }

    private static void Measure(Device device, string label, MatMulShape shape, int repetitions)
    {
        using Tensor a = device.Randn(shape.M, shape.K, 1), b = device.Randn(shape.K, shape.N, 2), c = device.Zeros(shape.M, shape.N);
        void Kernel()
        {
            device.Launch(MatMulKernels.Multiply, MatMulKernels.WorkItems(shape), a.View, b.View, c.View, shape);
            device.Synchronize();
        }
        void Host() => CpuMatMul.Multiply(a.View, b.View, c.View, shape);

        Kernel();
        Host();
        double flop = 2.0 * shape.M * shape.N * shape.K;
        double kernel = flop / Median.Seconds(repetitions, Kernel) / 1e9;
        // The host product takes well under a millisecond: time batches of calls so the clock's resolution does not matter.
        const int calls = 20;
        double host = flop * calls / Median.Seconds(repetitions, () => { for (int i = 0; i < calls; i++) Host(); }) / 1e9;
        long before = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < calls; i++) Host();
        long bytes = (GC.GetTotalAllocatedBytes(precise: true) - before) / calls;
        Console.WriteLine($"{label,-34} {kernel,8:F2} {host,8:F2} {host / kernel,6:F1}x {bytes,11}");
    }
}

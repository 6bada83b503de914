namespace TorchEbm.Tests.Kernels;

/// <summary>
/// The CPU device's pool of freed tensor buffers: a freed buffer serves the next tensor of its length, the pool holds
/// no more than its bound, and tensors stay independent of the buffers they reuse.
/// </summary>
public sealed class BufferPoolTests
{
    [Test]
    public void FreedBuffer_IsReused_ByTheNextTensorOfItsLength()
    {
        using Device device = Device.Create(DeviceKind.Cpu);
        Tensor first = device.Zeros(1000);
        object memory = HostAddress(first);
        first.Dispose();
        Assert.That(device.Pool!.PooledBytes, Is.EqualTo(4000));
        using Tensor other = device.Zeros(999); // another length: a new buffer
        using Tensor second = device.Zeros(1000);
        Assert.That(HostAddress(second), Is.SameAs(memory));
        Assert.That(device.Pool.PooledBytes, Is.Zero);
        Assert.That(second.ToArray(), Is.All.Zero, "Zeros clears a reused buffer");
    }

    [Test]
    public void Pool_HoldsNoMoreThanItsBound()
    {
        using Device device = Device.Create(DeviceKind.Cpu);
        int length = (int)(BufferPool.MaxPooledBytes / sizeof(float) / 3) + 1; // three of these exceed the bound
        var tensors = Enumerable.Range(0, 3).Select(_ => device.Allocate([length])).ToList();
        foreach (Tensor t in tensors) t.Dispose();
        Assert.That(device.Pool!.PooledBytes, Is.EqualTo(2L * length * sizeof(float)));
        Assert.That(device.LiveTensors, Is.Zero);
    }

    /// <summary>A large buffer freed long ago gives way to later ones instead of keeping them all out of the pool.</summary>
    [Test]
    public void ReturnBeyondTheBound_EvictsTheLargestPooledBuffers()
    {
        using Device device = Device.Create(DeviceKind.Cpu);
        int large = (int)(BufferPool.MaxPooledBytes / sizeof(float) * 4 / 5), small = (int)(BufferPool.MaxPooledBytes / sizeof(float) * 3 / 10);
        device.Allocate([large]).Dispose();
        Assert.That(device.Pool!.PooledBytes, Is.EqualTo((long)large * sizeof(float)));
        device.Allocate([small]).Dispose();
        Assert.That(device.Pool.PooledBytes, Is.EqualTo((long)small * sizeof(float)), "the large buffer was freed to make room");
        using Tensor again = device.Allocate([small]);
        Assert.That(device.Pool.PooledBytes, Is.Zero, "and the small one serves the next tensor of its length");
    }

    [Test]
    public void DisposingTheDevice_EmptiesThePool_AndLaterTensorDisposalIsSafe()
    {
        Device device = Device.Create(DeviceKind.Cpu);
        device.Zeros(64).Dispose();
        Tensor alive = device.Zeros(64);
        device.Dispose();
        Assert.That(device.Pool!.PooledBytes, Is.Zero);
        Assert.DoesNotThrow(alive.Dispose);
        Assert.Throws<ObjectDisposedException>(() => _ = alive.View);
    }

    private static object HostAddress(Tensor t) => ((ILGPU.IArrayView)t.View).Buffer; // the ILGPU buffer object behind the tensor
}

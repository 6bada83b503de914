using TorchEbm.Autodiff;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Resources;

/// <summary>Tensors created inside device.NewScope() are freed with it unless kept; owned state never is.</summary>
[NonParallelizable] // counts the device's live tensors
public sealed class DisposeScopeTests(DeviceKind kind) : DeviceTest(kind)
{
    [Test]
    public void Loop_OfUndisposedTensors_StaysFlatWithAScope()
    {
        int before = Device.LiveTensors;
        for (int i = 0; i < 600; i++)
        {
            using DisposeScope scope = Device.NewScope();
            Tensor a = Device.Randn([256, 1024], seed: i); // 1 MB each, never disposed by the loop body
            Tensor b = Device.Zeros(256, 1024);
            _ = a.ToArray().Length + b.Length;
            Assert.That(scope.Count, Is.EqualTo(2));
        }
        Assert.That(Device.LiveTensors, Is.EqualTo(before));
    }

    [Test]
    public void Keep_HandsTheTensorToTheCaller()
    {
        int before = Device.LiveTensors;
        Tensor kept, dropped;
        using (DisposeScope scope = Device.NewScope())
        {
            kept = scope.Keep(Device.Full(2f, 3));
            dropped = Device.Full(1f, 3);
        }
        Assert.That(dropped.IsDisposed, Is.True);
        Assert.That(kept.ToArray(), Is.All.EqualTo(2f));
        kept.Dispose();
        Assert.That(Device.LiveTensors, Is.EqualTo(before));
    }

    [Test]
    public void Keep_InANestedScope_MovesTheTensorToTheOuterOne()
    {
        DisposeScope outer = Device.NewScope();
        Tensor kept;
        using (DisposeScope inner = Device.NewScope())
            kept = inner.Keep(Device.Zeros(4));
        Assert.That(kept.IsDisposed, Is.False);
        Assert.That(outer.Count, Is.EqualTo(1));
        outer.Dispose();
        Assert.That(kept.IsDisposed, Is.True);
    }

    [Test]
    public void ScopeOfAnotherDevice_LeavesThisDevicesTensorsAlone()
    {
        using Device other = Device.Create(DeviceKind.Cpu);
        Tensor mine;
        using (other.NewScope())
            mine = Device.Zeros(2);
        Assert.That(mine.IsDisposed, Is.False);
        mine.Dispose();
    }

    [Test]
    public void ModelsModulesAndOptimizers_CreatedInAScope_OutliveIt()
    {
        GaussianModel gaussian;
        NeuralNetworkModel network;
        Adam adam;
        using (Device.NewScope())
        {
            gaussian = new GaussianModel(Device, [1f, -1f], new float[,] { { 1, 0 }, { 0, 1 } });
            network = new NeuralNetworkModel(new MLP(Device, 2, [8], 1, seed: 0));
            adam = new Adam(network.Parameters(), lr: 1e-2f);
        }
        using (gaussian)
        using (network)
        using (adam)
        using (Device.NewScope())
        {
            Tensor x = Device.Zeros(3, 2);
            Assert.That(gaussian.Forward(x).ToArray(), Is.All.EqualTo(1f).Within(1e-6f));
            Assert.That(network.Forward(x).ToArray(), Is.All.Matches<float>(float.IsFinite));
        }
    }

    [Test]
    public void TrainingLoop_InAScopePerStep_KeepsLiveTensorsFlat()
    {
        using var model = new NeuralNetworkModel(new MLP(Device, 2, [16, 16], 1, seed: 0));
        var sampler = new LangevinDynamics(model, 0.01f, 0.1f, seed: 1);
        using var loss = new ContrastiveDivergence(sampler, k: 3, persistent: true, bufferSize: 64, batchSize: 32);
        using var adam = new Adam(model.Parameters(), lr: 1e-3f);
        using Tensor data = Device.Randn(32, 2, seed: 2);
        var counts = new List<int>();
        for (int step = 0; step < 12; step++)
        {
            using DisposeScope scope = Device.NewScope();
            adam.ZeroGrad();
            Var value = loss.Compute(model, data); // no using: the scope frees the graph
            value.Backward();
            adam.Step();
            counts.Add(Device.LiveTensors);
        }
        // From the second step on (gradients, Adam moments and the replay buffer exist), every step ends at the same count.
        Assert.That(counts.Skip(1), Is.All.EqualTo(counts[1]));
        Assert.That(model.Parameters().All(p => p.Grad is { IsDisposed: false }), Is.True);
    }

    [Test]
    public void KeepAfterDispose_Throws_AndDisposeTwiceIsSafe()
    {
        DisposeScope scope = Device.NewScope();
        Tensor t = Device.Zeros(1);
        scope.Dispose();
        scope.Dispose();
        Assert.That(t.IsDisposed, Is.True);
        Assert.Throws<ObjectDisposedException>(() => scope.Keep(t));
    }

    [Test]
    public void KeepVar_KeepsItsValue()
    {
        Var kept;
        using (DisposeScope scope = Device.NewScope())
        {
            using Var a = new(Device.Full(3f, 2), requiresGrad: true);
            kept = scope.Keep(a * 2f);
        }
        Assert.That(kept.Value.ToArray(), Is.All.EqualTo(6f));
        kept.Dispose();
    }

    [Test]
    public void LongLoopInsideOneScope_ForgetsTheTensorsItAlreadyDisposed()
    {
        using DisposeScope scope = Device.NewScope();
        for (int i = 0; i < 10_000; i++)
        {
            using Tensor t = Device.Zeros(4);
        }
        Assert.That(scope.Count, Is.Zero);
        Assert.That(scope.Tracked, Is.LessThan(1_000), "disposed tensors are pruned as the list doubles");
    }

    [Test]
    public void Reshape_OfADisposedTensor_ThrowsWithoutAllocating()
    {
        Tensor t = Device.Zeros(2, 3);
        t.Dispose();
        int before = Device.LiveTensors;
        Assert.Throws<ObjectDisposedException>(() => t.Reshape(3, 2).Dispose());
        Assert.Throws<ObjectDisposedException>(() => t.To(Device).Dispose());
        Assert.That(Device.LiveTensors, Is.EqualTo(before));
    }
}

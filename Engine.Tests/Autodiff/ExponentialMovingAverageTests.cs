using ILGPU.Runtime;
using TorchEbm.Autodiff;
using TorchEbm.Checkpoints;
using TorchEbm.Optim;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Autodiff;

/// <summary>
/// The EMA of parameters against the closed form avg_t = decay avg_(t-1) + (1 - decay) p_t (float64 on the host), its
/// swap-in scope (averages in, live weights back bit for bit), a checkpoint saved inside the scope, and bad input.
/// </summary>
public sealed class ExponentialMovingAverageTests(DeviceKind kind) : DeviceTest(kind)
{
    [Test]
    public void Update_FollowsTheClosedForm_OverSgdSteps()
    {
        // L(p) = sum p_i^2 / 2 with SGD at lr 0.1: p_t = 0.9^t p_0, so every average is a known geometric sum.
        float[] p0 = [1f, -2f, 0.5f];
        using var parameter = new Var(Device.FromArray(p0, 3), requiresGrad: true);
        using var sgd = new Sgd([parameter], lr: 0.1f);
        using var ema = new ExponentialMovingAverage([parameter], decay: 0.8f);
        double[] expected = [.. p0.Select(v => (double)v)];
        for (int t = 1; t <= 10; t++)
        {
            sgd.ZeroGrad();
            using (Var loss = (parameter * parameter).Sum() * 0.5f) loss.Backward();
            sgd.Step();
            ema.Update();
            for (int i = 0; i < 3; i++) expected[i] = 0.8 * expected[i] + 0.2 * p0[i] * Math.Pow(0.9, t);
        }
        Assert.That(ema.Updates, Is.EqualTo(10));
        float[] average = ema.Average(0).ToArray();
        for (int i = 0; i < 3; i++) Assert.That(average[i], Is.EqualTo(expected[i]).Within(1e-5 * Math.Abs(expected[i])), $"element {i}");
    }

    [Test]
    public void Apply_SwapsTheAveragesIn_AndPutsTheLiveWeightsBackBitForBit()
    {
        using var parameter = new Var(Device.FromArray([1f, 2f], 2), requiresGrad: true);
        using var ema = new ExponentialMovingAverage([parameter], decay: 0.5f);
        Device.FromArray([3f, 7f], 2).View.CopyTo(parameter.Value.View); // a "step": live weights (3, 7)
        ema.Update(); // average (2, 4.5)
        float[] live = parameter.Value.ToArray();
        using (ema.Apply())
        {
            Assert.That(ema.IsApplied, Is.True);
            Assert.That(parameter.Value.ToArray(), Is.EqualTo(new[] { 2f, 4.5f }));
            Assert.Throws<InvalidOperationException>(() => ema.Update());
            Assert.Throws<InvalidOperationException>(() => ema.Apply());
        }
        Assert.That(ema.IsApplied, Is.False);
        Assert.That(parameter.Value.ToArray(), Is.EqualTo(live));
    }

    [Test]
    public void CheckpointSavedInsideApply_HoldsTheAverages()
    {
        string path = Path.Combine(Path.GetTempPath(), $"ema-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var mlp = new MLP(Device, 2, [4], 1, Activation.SiLU, seed: 1);
            using var ema = new ExponentialMovingAverage(mlp.Parameters(), decay: 0.9f);
            foreach (Var p in mlp.Parameters()) Elementwise.ElementwiseOps.Scale(Device, p.Value.View, p.Value.View, 2f); // live = 2 p0
            ema.Update(); // average = 1.1 p0
            float[][] before = [.. mlp.Parameters().Select(p => p.Value.ToArray())];
            using (ema.Apply()) Checkpoint.Save(path, mlp);
            using var loaded = new MLP(Device, 2, [4], 1, Activation.SiLU, seed: 2);
            Checkpoint.Load(path, loaded);
            Var[] saved = [.. loaded.Parameters()], live = [.. mlp.Parameters()];
            for (int i = 0; i < saved.Length; i++)
            {
                Assert.That(saved[i].Value.ToArray(), Is.EqualTo(ema.Average(i).ToArray()), $"parameter {i}: the average was saved");
                Assert.That(live[i].Value.ToArray(), Is.EqualTo(before[i]), $"parameter {i}: the live weights are back");
                Assert.That(saved[i].Value.ToArray().Zip(live[i].Value.ToArray(), (s, l) => Math.Abs(s * 2f - l * 1.1f)), Is.All.LessThan(1e-5f),
                    $"parameter {i}: average 1.1 p0 against live 2 p0");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase(0f)]
    [TestCase(1f)]
    [TestCase(-0.5f)]
    [TestCase(1.5f)]
    [TestCase(float.NaN)]
    public void Constructor_RejectsDecayOutsideTheOpenUnitInterval(float decay)
    {
        using var parameter = new Var(Device.FromArray([1f], 1), requiresGrad: true);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialMovingAverage([parameter], decay));
        Assert.That(e!.ParamName, Is.EqualTo("decay"));
    }

    [Test]
    public void Constructor_RejectsNoParametersDuplicatesAndDisposed()
    {
        using var parameter = new Var(Device.FromArray([1f], 1), requiresGrad: true);
        Assert.That(Assert.Throws<ArgumentException>(() => new ExponentialMovingAverage([], 0.9f))!.ParamName, Is.EqualTo("parameters"));
        Assert.That(Assert.Throws<ArgumentException>(() => new ExponentialMovingAverage([parameter, parameter], 0.9f))!.ParamName, Is.EqualTo("parameters"));
        var gone = new Var(Device.FromArray([1f], 1), requiresGrad: true);
        gone.Dispose();
        Assert.Throws<ObjectDisposedException>(() => new ExponentialMovingAverage([gone], 0.9f));
    }

    [Test]
    public void DisposedEma_Throws()
    {
        using var parameter = new Var(Device.FromArray([1f], 1), requiresGrad: true);
        var ema = new ExponentialMovingAverage([parameter], 0.9f);
        ema.Dispose();
        Assert.Throws<ObjectDisposedException>(() => ema.Update());
        Assert.Throws<ObjectDisposedException>(() => ema.Apply());
    }
}

using TorchEbm.Autodiff;
using TorchEbm.Optim;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Autodiff;

/// <summary>End to end: Adam trains an MLP to regress a smooth 2-D function, all on the device.</summary>
public sealed class TrainingTests(DeviceKind kind) : DeviceTest(kind)
{
    [Test]
    public void Adam_RegressesASmoothFunction_LossFallsAHundredfold()
    {
        const int n = 256;
        var random = new System.Random(1);
        float[] x = Enumerable.Range(0, 2 * n).Select(_ => (float)(4 * random.NextDouble() - 2)).ToArray();
        float[] y = Enumerable.Range(0, n).Select(i => MathF.Sin(x[2 * i]) * MathF.Cos(x[2 * i + 1])).ToArray();
        using var inputs = new Var(Device.FromArray(x, n, 2));
        using var targets = new Var(Device.FromArray(y, n, 1));
        using var mlp = new MLP(Device, 2, [32, 32], 1, Activation.Tanh, seed: 3);
        using var adam = new Adam(mlp.Parameters(), lr: 1e-2f);

        float Step()
        {
            adam.ZeroGrad();
            using Var loss = (mlp.Forward(inputs) - targets).Square().Mean();
            loss.Backward();
            adam.Step();
            return loss.Value.ToArray()[0];
        }

        float first = Step();
        for (int i = 0; i < 1000; i++) Step();
        float last = Step();
        TestContext.Out.WriteLine($"MSE {first} -> {last} ({first / last:F0}x)");
        Assert.That(last, Is.LessThan(first / 100), $"MSE {first} -> {last}");
    }
}

using TorchEbm.Autodiff;
using TorchEbm.Optim;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Autodiff;

/// <summary>
/// Ten optimizer steps on L(p) = sum c_i p_i^2 (gradient 2 c p, computed by the tape) equal the closed-form update
/// sequence of PyTorch's rules computed on the host in float64, within float32 rounding.
/// </summary>
public sealed class OptimizerTests(DeviceKind kind) : DeviceTest(kind)
{
    private static readonly double[] C = [0.5, 1, 2, -0.25, 3];
    private static readonly double[] P0 = [1, -2, 0.5, 3, -0.1];

    [TestCase(0.1f, 0f, 0f)]
    [TestCase(0.05f, 0.9f, 0f)]
    [TestCase(0.05f, 0.9f, 0.01f)]
    public void Sgd_FollowsPyTorchsRule(float lr, float momentum, float weightDecay)
    {
        double[] p = (double[])P0.Clone(), buffer = new double[p.Length];
        using var parameter = new Var(Device.FromArray(P0.Select(v => (float)v).ToArray(), P0.Length), requiresGrad: true);
        using var sgd = new Sgd([parameter], lr, momentum, weightDecay);
        for (int step = 0; step < 10; step++)
        {
            Run(sgd, parameter);
            for (int i = 0; i < p.Length; i++)
            {
                double g = 2 * C[i] * p[i] + weightDecay * p[i];
                if (momentum != 0) g = buffer[i] = step == 0 ? g : momentum * buffer[i] + g;
                p[i] -= lr * g;
            }
            AssertClose(parameter, p, step);
        }
    }

    [TestCase(1e-1f, 0f)]
    [TestCase(1e-2f, 0.05f)]
    public void Adam_FollowsPyTorchsRule(float lr, float weightDecay)
    {
        const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
        double[] p = (double[])P0.Clone(), m = new double[p.Length], v = new double[p.Length];
        using var parameter = new Var(Device.FromArray(P0.Select(x => (float)x).ToArray(), P0.Length), requiresGrad: true);
        using var adam = new Adam([parameter], lr, weightDecay: weightDecay);
        for (int step = 1; step <= 10; step++)
        {
            Run(adam, parameter);
            for (int i = 0; i < p.Length; i++)
            {
                double g = 2 * C[i] * p[i] + weightDecay * p[i];
                m[i] = beta1 * m[i] + (1 - beta1) * g;
                v[i] = beta2 * v[i] + (1 - beta2) * g * g;
                double mHat = m[i] / (1 - Math.Pow(beta1, step)), vHat = v[i] / (1 - Math.Pow(beta2, step));
                p[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
            }
            AssertClose(parameter, p, step);
        }
    }

    [Test]
    public void BadArguments_AreRejected()
    {
        using var p = new Var(Device.Zeros(3), requiresGrad: true);
        using var constant = new Var(Device.Zeros(3));
        Assert.Throws<ArgumentException>(() => new Adam([]));
        Assert.Throws<ArgumentException>(() => new Sgd([constant], 0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd([p], 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([p], beta1: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd([p], 0.1f, momentum: -1f));
    }

    [Test]
    public void Constructor_SameParameterTwice_ThrowsArgumentExceptionNamingParameters()
    {
        using var p = new Var(Device.Zeros(3), requiresGrad: true);
        using var q = new Var(Device.Zeros(2), requiresGrad: true);
        foreach (Func<Optimizer> create in new Func<Optimizer>[] { () => new Sgd([p, q, p], 0.1f), () => new Adam([q, p, q]) })
        {
            var e = Assert.Throws<ArgumentException>(() => create().Dispose())!;
            Assert.That(e.ParamName, Is.EqualTo("parameters"));
            Assert.That(e.Message, Does.Contain("parameters[2] is the same Var as parameters[0]"));
        }
    }

    [Test]
    public void Adam_AfterDispose_StepZeroGradAndStateThrowObjectDisposedException()
    {
        using var parameter = new Var(Device.FromArray(P0.Select(x => (float)x).ToArray(), P0.Length), requiresGrad: true);
        var adam = new Adam([parameter], 0.1f);
        Run(adam, parameter);
        OptimizerState state = adam.ExportState();
        var tensors = state.Tensors.ToDictionary(t => t.Name, t => (t.Tensor.Shape, t.Tensor.ToArray()));
        adam.Dispose();
        adam.Dispose(); // idempotent
        Assert.That(adam.IsDisposed);
        Assert.Throws<ObjectDisposedException>(adam.Step);
        Assert.Throws<ObjectDisposedException>(adam.ZeroGrad);
        Assert.Throws<ObjectDisposedException>(() => adam.ExportState());
        Assert.Throws<ObjectDisposedException>(() => adam.ImportState(tensors, state.Metadata, "state"));
        Assert.That(parameter.IsDisposed, Is.False, "the parameters stay alive");
    }

    [Test]
    public void Sgd_AfterDispose_StepThrowsObjectDisposedException()
    {
        using var parameter = new Var(Device.FromArray(P0.Select(x => (float)x).ToArray(), P0.Length), requiresGrad: true);
        var sgd = new Sgd([parameter], 0.1f, momentum: 0.9f);
        Run(sgd, parameter);
        sgd.Dispose();
        Assert.Throws<ObjectDisposedException>(sgd.Step);
        Assert.Throws<ObjectDisposedException>(() => sgd.ExportState());
    }

    /// <summary>ZeroGrad, Backward of sum c p^2, Step.</summary>
    private void Run(Optimizer optimizer, Var parameter)
    {
        optimizer.ZeroGrad();
        using var c = new Var(Device.FromArray(C.Select(x => (float)x).ToArray(), C.Length));
        using Var loss = (c * parameter.Square()).Sum();
        loss.Backward();
        optimizer.Step();
    }

    private static void AssertClose(Var parameter, double[] expected, int step)
    {
        float[] actual = parameter.Value.ToArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(1e-5 * Math.Max(1, Math.Abs(expected[i]))), $"p[{i}] after step {step}");
    }
}

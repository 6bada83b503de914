using TorchEbm.Autodiff;
using TorchEbm.Integrators;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Integrators;

/// <summary>A time-conditioned network as a vector field: f(x, t) = W [x, t] + b for a linear layer, computed on the host.</summary>
public sealed class VectorFieldsTests(DeviceKind kind) : DeviceTest(kind)
{
    [Test]
    public void FromNetwork_LinearLayer_AppendsTheTimeColumn()
    {
        using var layer = new Linear(Device, inFeatures: 3, outFeatures: 2, seed: 5);
        VectorField field = VectorFields.FromNetwork(layer);
        using Tensor x = Device.Randn(4, 2, seed: 1);
        using Tensor f = field(x, 0.37f);
        float[] w = layer.Weight.Value.ToArray(), b = layer.Bias.Value.ToArray();
        float[,] xs = x.ToArray2D(), fs = f.ToArray2D();
        for (int r = 0; r < 4; r++)
        for (int o = 0; o < 2; o++)
        {
            double expected = b[o] + w[o * 3] * (double)xs[r, 0] + w[o * 3 + 1] * (double)xs[r, 1] + w[o * 3 + 2] * 0.37;
            Assert.That(fs[r, o], Is.EqualTo(expected).Within(1e-5), $"f[{r}, {o}]");
        }
    }

    [Test]
    public void FromNetwork_WrongInputWidth_ThrowsInvalidOperation()
    {
        using var layer = new Linear(Device, inFeatures: 4, outFeatures: 2);
        using Tensor x = Device.Zeros(3, 2);
        Assert.Throws<InvalidOperationException>(() => VectorFields.FromNetwork(layer)(x, 0.5f));
        using var narrow = new Linear(Device, inFeatures: 1, outFeatures: 1);
        Assert.That(Assert.Throws<ArgumentException>(() => VectorFields.FromNetwork(narrow))!.ParamName, Is.EqualTo("network"));
    }
}

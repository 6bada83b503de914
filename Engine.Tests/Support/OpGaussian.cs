using TorchEbm.Autodiff;
using TorchEbm.Models;

namespace TorchEbm.Tests.Support;

/// <summary>The Gaussian in tape ops: E(x) = 0.5 (x - m)^T P (x - m), with the mean m and precision P constants the model holds.</summary>
internal sealed class OpGaussian(Device device, float[] mean, float[,] precision) : BaseModel(device)
{
    public Tensor Mean { get; } = device.FromArray(mean, mean.Length);

    public Tensor Precision { get; } = device.FromArray(precision);

    public override int? Dim => Mean.Dim(0);

    public override Var Energies(Var x)
    {
        Var u = x - Var.Constant(Mean);
        return 0.5f * (u.MatMul(Var.Constant(Precision)) * u).Sum(1);
    }

    public override void Dispose()
    {
        Mean.Dispose();
        Precision.Dispose();
        base.Dispose();
    }
}

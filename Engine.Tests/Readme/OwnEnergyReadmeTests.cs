using ILGPU;
using TorchEbm.Energies;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Readme;

// README own energy begins
/// <summary>E(x) = |x - c|^2 / 2 with every coordinate of c equal to Centre: the law N(c, I).</summary>
public readonly struct ShiftedWell(float centre) : IEnergy
{
    public readonly float Centre = centre;

    public float Energy(ArrayView<float> x)
    {
        float sum = 0f;
        for (int i = 0; i < x.IntLength; i++) sum += (x[i] - Centre) * (x[i] - Centre);
        return 0.5f * sum;
    }

    public void AddGradient(ArrayView<float> x, ArrayView<float> gradient, float weight)
    {
        for (int i = 0; i < x.IntLength; i++) gradient[i] += weight * (x[i] - Centre);
    }
}

public sealed class ShiftedWellModel(Device device, float centre) : AnalyticModel<ShiftedWell>(device)
{
    public override ShiftedWell Energy { get; } = new(centre);
}
// README own energy ends

/// <summary>The README's own-energy example, defined in this (user) assembly and sampled by the fused kernels.</summary>
public sealed class OwnEnergyReadmeTests
{
    [Test]
    public void OwnEnergy_IsSampledByTheFusedKernel_AndDifferentiated()
    {
        using var device = Device.Create(DeviceKind.Cpu);
        using var model = new ShiftedWellModel(device, centre: 3f);
        using Tensor samples = new LangevinDynamics(model, stepSize: 0.05f, seed: 1).Sample(dim: 2, nSteps: 400, nSamples: 4000);
        float[] xy = samples.ToArray();
        // N(3, I) under unadjusted Langevin (variance 1 / (1 - h/2) ~ 1.026): the mean of 8000 coordinates is within
        // 4 standard errors (4 * sqrt(1.026 / 8000) = 0.045) of 3.
        Assert.That(xy.Average(), Is.EqualTo(3.0).Within(0.045));
        using Tensor x = device.FromArray([3f, 3f, 4f, 1f], 2, 2);
        using Tensor gradient = model.Gradient(x);
        Assert.That(gradient.ToArray(), Is.EqualTo(new[] { 0f, 0f, 1f, -2f }));
    }

    [Test]
    public void ReadmeOwnEnergy_IsTheCodeThisTestDefines() =>
        Assert.That(ReadmeCode.Block("## Your own energy").Where(l => !l.StartsWith("using ")),
            Is.EqualTo(ReadmeCode.Marked("Engine.Tests/Readme/OwnEnergyReadmeTests.cs", "own energy")));
}

using TorchEbm.Integrators;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Integrators;

/// <summary>Bad arguments to the integrators: a clear ArgumentException before anything is launched.</summary>
public sealed class IntegratorInputTests(DeviceKind kind) : DeviceTest(kind)
{
    private static Tensor Zero(Tensor x, float t) => x.Device.Zeros(x.Dim(0), x.Dim(1));

    private void NoLaunch(Action action, string parameter)
    {
        long launches = Device.LaunchCount;
        ArgumentException? error = null;
        try { action(); }
        catch (ArgumentException e) { error = e; }
        Assert.That(error, Is.Not.Null, "expected an ArgumentException");
        Assert.That(error!.ParamName, Is.EqualTo(parameter));
        Assert.That(Device.LaunchCount, Is.EqualTo(launches), "nothing may be launched before the check");
    }

    [TestCase(0f, "rtol")]
    [TestCase(-1e-3f, "rtol")]
    [TestCase(float.NaN, "rtol")]
    public void DormandPrince5_BadRtol_Throws(float rtol, string parameter) =>
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new DormandPrince5(rtol: rtol))!.ParamName, Is.EqualTo(parameter));

    [TestCase(0f)]
    [TestCase(float.PositiveInfinity)]
    public void DormandPrince5_BadAtol_Throws(float atol) =>
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new DormandPrince5(atol: atol))!.ParamName, Is.EqualTo("atol"));

    [Test]
    public void DormandPrince5_ZeroMaxSteps_Throws() =>
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new DormandPrince5(maxSteps: 0))!.ParamName, Is.EqualTo("maxSteps"));

    [Test]
    public void Integrate_BadArguments_ThrowBeforeAnyLaunch()
    {
        using Tensor x = Device.Zeros(3, 2), row = Device.Zeros(6);
        foreach (Integrator integrator in new Integrator[] { new EulerMaruyama(), new Heun(), new Midpoint(), new RungeKutta4(), new DormandPrince5() })
        {
            NoLaunch(() => _ = integrator.Integrate(x, Zero, 0f, 1f, 0), "nSteps");
            NoLaunch(() => _ = integrator.Integrate(x, Zero, float.NaN, 1f, 4), "t0");
            NoLaunch(() => _ = integrator.Integrate(x, Zero, 0f, float.PositiveInfinity, 4), "t1");
            NoLaunch(() => _ = integrator.Integrate(x, null!, 0f, 1f, 4), "drift");
            NoLaunch(() => _ = integrator.Integrate(row, Zero, 0f, 1f, 4), "x");
        }
    }

    [Test]
    public void EulerMaruyama_NegativeDiffusion_ThrowsBeforeAnyLaunch()
    {
        using Tensor x = Device.Zeros(3, 2);
        NoLaunch(() => _ = new EulerMaruyama().Integrate(x, Zero, t => t > 0.5f ? -1f : 1f, 0f, 1f, 4), "diffusion");
        NoLaunch(() => _ = new EulerMaruyama().Integrate(x, Zero, _ => float.NaN, 0f, 1f, 4), "diffusion");
    }

    [Test]
    public void Leapfrog_BadArguments_ThrowBeforeAnyLaunch()
    {
        using Tensor x = Device.Zeros(3, 2), p = Device.Zeros(3, 2), wide = Device.Zeros(3, 3);
        var leapfrog = new Leapfrog();
        NoLaunch(() => _ = leapfrog.Integrate(x, p, Zero, 0f, 4), "stepSize");
        NoLaunch(() => _ = leapfrog.Integrate(x, p, Zero, 0.1f, 0), "nSteps");
        NoLaunch(() => _ = leapfrog.Integrate(x, p, Zero, 0.1f, 4, mass: 0f), "mass");
        NoLaunch(() => _ = leapfrog.Integrate(x, wide, Zero, 0.1f, 4), "momentum");
    }

    [Test]
    public void FieldOfTheWrongShape_ThrowsInvalidOperation_AndLeaksNothing()
    {
        using Tensor x = Device.Zeros(3, 2);
        VectorField wrong = (s, _) => s.Device.Zeros(s.Dim(0), s.Dim(1) + 1);
        var error = Assert.Throws<InvalidOperationException>(() => new RungeKutta4().Integrate(x, wrong, 0f, 1f, 2));
        Assert.That(error!.Message, Does.Contain("(3, 2)"));
        Assert.Throws<InvalidOperationException>(() => new RungeKutta4().Integrate(x, (s, _) => s, 0f, 1f, 2));
    }
}

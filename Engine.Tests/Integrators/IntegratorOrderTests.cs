using TorchEbm.Integrators;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Integrators;

/// <summary>
/// Each integrator's order on problems with closed-form solutions: x' = x cos t (x(t) = x(0) e^(sin t)) for the Runge-Kutta
/// family and Euler, the harmonic oscillator for leapfrog. The observed order log2(e(h) / e(h / 2)) tends to p with an O(h)
/// correction; the step counts are chosen in the asymptotic range (where successive observed orders agree) and above the
/// float32 rounding floor (about 1e-6 here), so p +- 0.2 is the band: a method of order p +- 1 misses it by a factor 2.
/// </summary>
public sealed class IntegratorOrderTests(DeviceKind kind) : DeviceTest(kind)
{
    private static readonly float[] Start = [0.5f, 1f, -1.5f, 2f, 0.25f, -0.75f];
    private const float End = 2f;

    /// <summary>x' = x cos t, evaluated on the host from the states' copy (the field is the caller's own code).</summary>
    private VectorField Growth => (x, t) => Device.FromArray(x.ToArray().Select(v => v * MathF.Cos(t)).ToArray(), x.Dim(0), x.Dim(1));

    private double Error(Integrator integrator, int nSteps)
    {
        using Tensor x = Device.FromArray(Start, 3, 2);
        using Tensor y = integrator.Integrate(x, Growth, 0f, End, nSteps);
        float[] ys = y.ToArray();
        return ys.Select((v, i) => Math.Abs(v - Start[i] * Math.Exp(Math.Sin(End)))).Max();
    }

    private static IEnumerable<TestCaseData> FixedStep()
    {
        yield return new TestCaseData(new EulerMaruyama(), 32).SetArgDisplayNames("Euler", "32");
        yield return new TestCaseData(new Heun(), 16).SetArgDisplayNames("Heun", "16");
        yield return new TestCaseData(new Midpoint(), 32).SetArgDisplayNames("Midpoint", "32");
        yield return new TestCaseData(new RungeKutta4(), 4).SetArgDisplayNames("RungeKutta4", "4");
    }

    [TestCaseSource(nameof(FixedStep))]
    public void ObservedOrder_WhenStepHalves_IsTheMethodsOrder(Integrator integrator, int nSteps)
    {
        double coarse = Error(integrator, nSteps), fine = Error(integrator, 2 * nSteps);
        double observed = Math.Log2(coarse / fine);
        Assert.That(observed, Is.EqualTo(integrator.Order).Within(0.2), $"errors {coarse:E3} (n = {nSteps}), {fine:E3} (n = {2 * nSteps})");
    }

    [Test]
    public void Midpoint_OnAnAutonomousField_HasOrderTwo()
    {
        // x' = -x: e(h) = |e^-T - (1 - h + h^2 / 2)^N|, the method's own amplification factor; checks the stage time too.
        using Tensor x = Device.FromArray([1f, -2f], 1, 2);
        VectorField decay = (s, _) => Device.FromArray(s.ToArray().Select(v => -v).ToArray(), 1, 2);
        double Err(int n)
        {
            using Tensor y = new Midpoint().Integrate(x, decay, 0f, 1f, n);
            return Math.Abs(y.ToArray()[0] - Math.Exp(-1));
        }
        Assert.That(Math.Log2(Err(8) / Err(16)), Is.EqualTo(2).Within(0.2));
    }

    /// <summary>
    /// Dormand-Prince meets its tolerance: the global error stays within the sum of its accepted steps' local tolerances
    /// (atol + rtol max|x|), times e, the most this field amplifies an error (exp(sin t - sin s) &lt;= e on [0, 2]);
    /// tightening the tolerance a hundredfold takes more steps and cuts the error at least tenfold.
    /// </summary>
    [Test]
    public void DormandPrince5_GlobalError_IsWithinItsTolerance()
    {
        using Tensor x = Device.FromArray(Start, 3, 2);
        double maxAbs = Start.Max(v => Math.Abs(v)) * Math.E;
        var errors = new List<double>();
        var steps = new List<int>();
        foreach (float tol in new[] { 1e-3f, 1e-5f })
        {
            AdaptiveSolution solution = new DormandPrince5(rtol: tol, atol: tol).Solve(x, Growth, 0f, End, nSteps: 10);
            using Tensor y = solution.X;
            double error = y.ToArray().Select((v, i) => Math.Abs(v - Start[i] * Math.Exp(Math.Sin(End)))).Max();
            Assert.That(error, Is.LessThanOrEqualTo(Math.E * solution.AcceptedSteps * (tol + tol * maxAbs)), $"tol {tol}");
            Assert.That(solution.Evaluations, Is.EqualTo(1 + 6 * (solution.AcceptedSteps + solution.RejectedSteps)));
            errors.Add(error);
            steps.Add(solution.AcceptedSteps);
        }
        Assert.That(steps[1], Is.GreaterThan(steps[0]));
        Assert.That(errors[1], Is.LessThan(errors[0] / 10));
    }

    /// <summary>
    /// A field that turns sharply (x' = -50 (x - cos t), a stiff-ish relaxation) forces rejections and short steps, and the
    /// result still matches the closed form x(t) = (2500 cos t + 50 sin t) / 2501 + (x0 - 2500 / 2501) e^(-50 t).
    /// </summary>
    [Test]
    public void DormandPrince5_SharpTransient_AdaptsAndMeetsTolerance()
    {
        using Tensor x = Device.FromArray([3f, -1f], 1, 2);
        VectorField relax = (s, t) => Device.FromArray(s.ToArray().Select(v => -50f * (v - MathF.Cos(t))).ToArray(), 1, 2);
        AdaptiveSolution solution = new DormandPrince5(rtol: 1e-5f, atol: 1e-5f).Solve(x, relax, 0f, 1f, nSteps: 2);
        using Tensor y = solution.X;
        float[] ys = y.ToArray();
        double[] start = [3, -1];
        for (int i = 0; i < 2; i++)
        {
            double exact = (2500 * Math.Cos(1) + 50 * Math.Sin(1)) / 2501 + (start[i] - 2500.0 / 2501) * Math.Exp(-50);
            Assert.That(ys[i], Is.EqualTo(exact).Within(solution.AcceptedSteps * 2e-5), $"x[{i}]");
        }
        Assert.That(solution.RejectedSteps, Is.GreaterThan(0), "a first step of 0.5 on a rate-50 field must be rejected");
    }

    [Test]
    public void DormandPrince5_TooFewSteps_ThrowsInvalidOperation()
    {
        using Tensor x = Device.FromArray(Start, 3, 2);
        var error = Assert.Throws<InvalidOperationException>(() => new DormandPrince5(rtol: 1e-6f, atol: 1e-6f, maxSteps: 3).Integrate(x, Growth, 0f, End, 1));
        Assert.That(error!.Message, Does.Contain("maxSteps"));
    }

    [Test]
    public void DormandPrince5_NonFiniteField_ThrowsInvalidOperation()
    {
        using Tensor x = Device.FromArray(Start, 3, 2);
        VectorField blowsUp = (s, t) => Device.FromArray(s.ToArray().Select(v => t > 0.5f ? float.NaN : v).ToArray(), 3, 2);
        var error = Assert.Throws<InvalidOperationException>(() => new DormandPrince5().Integrate(x, blowsUp, 0f, 1f, 4));
        Assert.That(error!.Message, Does.Contain("not finite"));
    }

    [Test]
    public void DormandPrince5_BackwardInTime_ReturnsToTheStart()
    {
        using Tensor x = Device.FromArray(Start, 3, 2);
        var integrator = new DormandPrince5(rtol: 1e-6f, atol: 1e-6f);
        using Tensor forward = integrator.Integrate(x, Growth, 0f, End, 10);
        using Tensor back = integrator.Integrate(forward, Growth, End, 0f, 10);
        float[] ys = back.ToArray();
        for (int i = 0; i < Start.Length; i++) Assert.That(ys[i], Is.EqualTo(Start[i]).Within(1e-4), $"x[{i}]");
    }

    /// <summary>Harmonic oscillator U = x^2 / 2 from (1, 0) and (0, 2): x(t) = x0 cos t + p0 sin t, p = -x0 sin t + p0 cos t.</summary>
    [Test]
    public void Leapfrog_ObservedOrder_IsTwo()
    {
        double Err(int n)
        {
            using Tensor x = Device.FromArray([1f, 0f], 1, 2), p = Device.FromArray([0f, 2f], 1, 2);
            (Tensor xs, Tensor ps) = new Leapfrog().Integrate(x, p, (s, _) => s.Clone(), End / n, n);
            using (xs)
            using (ps)
            {
                float[] xv = xs.ToArray(), pv = ps.ToArray();
                return Math.Max(Math.Max(Math.Abs(xv[0] - Math.Cos(End)), Math.Abs(xv[1] - 2 * Math.Sin(End))),
                    Math.Max(Math.Abs(pv[0] + Math.Sin(End)), Math.Abs(pv[1] - 2 * Math.Cos(End))));
            }
        }
        Assert.That(Math.Log2(Err(16) / Err(32)), Is.EqualTo(2).Within(0.2));
    }

    [Test]
    public void Leapfrog_IsTimeReversible()
    {
        using Tensor x = Device.Randn(5, 3, seed: 7), p = Device.Randn(5, 3, seed: 8);
        // Anharmonic force dU/dx = x^3 (U = x^4 / 4).
        VectorField quartic = (s, _) => Device.FromArray(s.ToArray().Select(v => v * v * v).ToArray(), 5, 3);
        var leapfrog = new Leapfrog();
        (Tensor x1, Tensor p1) = leapfrog.Integrate(x, p, quartic, 0.05f, 40, mass: 2f);
        using (x1)
        using (p1)
        {
            (Tensor x2, Tensor p2) = leapfrog.Integrate(x1, p1, quartic, -0.05f, 40, mass: 2f);
            using (x2)
            using (p2)
            {
                float[] a = x.ToArray(), b = x2.ToArray(), pa = p.ToArray(), pb = p2.ToArray();
                for (int i = 0; i < a.Length; i++)
                {
                    Assert.That(b[i], Is.EqualTo(a[i]).Within(1e-4), $"x[{i}]");
                    Assert.That(pb[i], Is.EqualTo(pa[i]).Within(1e-4), $"p[{i}]");
                }
            }
        }
    }
}

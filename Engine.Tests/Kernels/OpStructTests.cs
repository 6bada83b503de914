using System.Reflection;
using System.Runtime.Intrinsics;
using TorchEbm.Elementwise;
using TorchEbm.Functions;
using TorchEbm.Numerics;
using TorchEbm.Tests.Support;
using TorchEbm.Traced;

namespace TorchEbm.Tests.Kernels;

/// <summary>
/// Every op struct (each <see cref="IUnaryFunction"/> and <see cref="IBinaryOp"/> in the engine, found by reflection, not
/// listed): its formulas over <see cref="Real8"/> (host twins, eight lanes) equal those over <see cref="Real"/> (kernels)
/// bit for bit, special values included; each derivative equals central finite differences of the order below, both in
/// float64 (<see cref="Real64"/>: the same generic formula); and the traced interpreter can apply it.
/// </summary>
public sealed class OpStructTests
{
    /// <summary>The parameters a function struct with a float constructor argument is built with (exponent, slope, alpha).</summary>
    private static readonly float[] Parameters = [0.2f, 2.5f, 3f];

    /// <summary>Every function struct of the engine, once per parameter for those that take one.</summary>
    private static IEnumerable<TestCaseData> Functions() =>
        typeof(IUnaryFunction).Assembly.GetTypes()
            .Where(t => t.IsValueType && typeof(IUnaryFunction).IsAssignableFrom(t)).OrderBy(t => t.Name)
            .SelectMany(t => t.GetConstructor([typeof(float)]) is { } ctor
                ? Parameters.Select(p => new TestCaseData((IUnaryFunction)ctor.Invoke([p])).SetArgDisplayNames($"{t.Name}({p})"))
                : [new TestCaseData((IUnaryFunction)Activator.CreateInstance(t)!).SetArgDisplayNames(t.Name)]);

    /// <summary>Every arithmetic op struct of the engine.</summary>
    private static IEnumerable<TestCaseData> BinaryOps() =>
        typeof(IBinaryOp).Assembly.GetTypes()
            .Where(t => t.IsValueType && typeof(IBinaryOp).IsAssignableFrom(t)).OrderBy(t => t.Name)
            .Select(t => new TestCaseData(t).SetArgDisplayNames(t.Name));

    /// <summary>Inputs for the bit-for-bit checks: ordinary values, both zeros, the kinks, huge, tiny, infinite and NaN.</summary>
    private static readonly float[] Specials =
    [
        -3.7f, -1f, -0.4f, -0f, 0f, 1e-30f, 0.3f, 1f, 2.5f, 7.9f, -88f, 88f, 1e30f, -1e30f,
        float.Epsilon, -float.Epsilon, float.MaxValue, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 20f, -20f, 0.5f, 40f,
    ];

    private static string Bits(float value) => $"{value:R} (0x{BitConverter.SingleToInt32Bits(value):X8})";

    private static void AssertSameBits(float vector, float scalar, string what) =>
        Assert.That(Bits(vector), Is.EqualTo(Bits(scalar)), what);

    /// <summary>f^(order) through the generic member over <typeparamref name="T"/>.</summary>
    private static T Nth<T, TMask>(IUnaryFunction f, T x, int order) where T : struct, IReal<T, TMask> where TMask : struct => order switch
    {
        0 => f.Apply<T, TMask>(x),
        1 => f.Derivative<T, TMask>(x),
        2 => f.SecondDerivative<T, TMask>(x),
        _ => f.ThirdDerivative<T, TMask>(x),
    };

    [TestCaseSource(nameof(Functions))]
    public void Function_EightLanes_EqualTheKernelFloat_BitForBit(IUnaryFunction f)
    {
        for (int start = 0; start < Specials.Length; start += 8)
        {
            float[] lanes = [.. Enumerable.Range(start, 8).Select(i => Specials[i % Specials.Length])];
            var x = new Real8(Vector256.Create(lanes));
            for (int order = 0; order <= UnaryKernels.MaxOrder; order++)
            {
                Real8 vector = Nth<Real8, Vector256<float>>(f, x, order);
                for (int l = 0; l < 8; l++)
                {
                    float scalar = order switch { 0 => f.Apply(lanes[l]), 1 => f.Derivative(lanes[l]), 2 => f.SecondDerivative(lanes[l]), _ => f.ThirdDerivative(lanes[l]) };
                    AssertSameBits(vector[l], scalar, $"order {order} at {lanes[l]:R}");
                }
            }
        }
    }

    /// <summary>
    /// Each derivative of order k + 1 against the central difference (f^(k)(x + h) - f^(k)(x - h)) / 2h of the order below,
    /// all in float64 (h = 1e-5: truncation ~h^2 f''' ~1e-10, rounding ~1e-16 / h ~1e-11, so 1e-6 relative leaves room
    /// only for a wrong formula). Points stay away from the kinks at 0 and from where f is not defined (NaN in float64).
    /// </summary>
    [TestCaseSource(nameof(Functions))]
    public void Function_Derivatives_EqualFloat64FiniteDifferences(IUnaryFunction f)
    {
        const double h = 1e-5;
        double[] points = [-2.3, -1.1, -0.45, 0.35, 0.8, 1.7, 2.9];
        int checkedPoints = 0;
        foreach (double at in points)
        for (int order = 0; order < UnaryKernels.MaxOrder; order++)
        {
            double up = Nth<Real64, bool>(f, new Real64(at + h), order).Value, down = Nth<Real64, bool>(f, new Real64(at - h), order).Value;
            double derivative = Nth<Real64, bool>(f, new Real64(at), order + 1).Value;
            if (double.IsNaN(up) || double.IsNaN(down)) continue; // outside f's domain (log, sqrt, a fractional power of x < 0)
            double fd = (up - down) / (2 * h);
            Assert.That(derivative, Is.EqualTo(fd).Within(1e-6 * Math.Max(1, Math.Abs(fd))), $"order {order + 1} at {at}");
            checkedPoints++;
        }
        Assert.That(checkedPoints, Is.GreaterThanOrEqualTo(9), "too few points in the function's domain");
    }

    [TestCaseSource(nameof(Functions))]
    public void Function_HasATracedCode(IUnaryFunction f) =>
        Assert.That(typeof(UnaryCodes).GetMethod(nameof(UnaryCodes.Of))!.MakeGenericMethod(f.GetType()).Invoke(null, [f, 0f]), Is.Not.Null,
            $"{f.GetType().Name} has no UnaryCode: a traced energy using it would run step by step");

    private static (float, float)[] Pairs() =>
    [
        (1.5f, -0.25f), (-3f, 7f), (0f, -0f), (1e30f, 1e-30f), (2f, 0f), (-2f, -0f), (0f, 0f),
        (float.PositiveInfinity, 3f), (float.NaN, 1f), (1f, float.NaN), (float.MaxValue, 2f),
    ];

    [TestCaseSource(nameof(BinaryOps))]
    public void BinaryOp_EightLanes_EqualTheKernelFloat_BitForBit(Type op) =>
        typeof(OpStructTests).GetMethod(nameof(BinaryLanes), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(op).Invoke(null, null);

    private static void BinaryLanes<TOp>() where TOp : struct, IBinaryOp
    {
        (float X, float Y)[] pairs = Pairs();
        for (int start = 0; start < pairs.Length; start += 8)
        {
            float[] xs = [.. Enumerable.Range(start, 8).Select(i => pairs[i % pairs.Length].X)], ys = [.. Enumerable.Range(start, 8).Select(i => pairs[i % pairs.Length].Y)];
            Real8 x = Vector256.Create(xs), y = Vector256.Create(ys);
            Real8 z = TOp.Apply<Real8>(x, y), dx = TOp.PartialX<Real8>(x, y), dy = TOp.PartialY<Real8>(x, y);
            for (int l = 0; l < 8; l++)
            {
                Real a = xs[l], b = ys[l];
                AssertSameBits(z[l], TOp.Apply<Real>(a, b), $"{xs[l]} op {ys[l]}");
                AssertSameBits(dx[l], TOp.PartialX<Real>(a, b), $"d/dx at ({xs[l]}, {ys[l]})");
                AssertSameBits(dy[l], TOp.PartialY<Real>(a, b), $"d/dy at ({xs[l]}, {ys[l]})");
            }
        }
    }

    /// <summary>Both partials against float64 central differences (h = 1e-6 relative to the point).</summary>
    [TestCaseSource(nameof(BinaryOps))]
    public void BinaryOp_Partials_EqualFloat64FiniteDifferences(Type op) =>
        typeof(OpStructTests).GetMethod(nameof(BinaryPartials), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(op).Invoke(null, null);

    private static void BinaryPartials<TOp>() where TOp : struct, IBinaryOp
    {
        const double h = 1e-6;
        foreach ((double x, double y) in new[] { (1.5, -0.25), (-3.0, 7.0), (0.4, 2.2), (-1.3, -0.6) })
        {
            Real64 X = new(x), Y = new(y);
            double fx = (TOp.Apply<Real64>(new(x + h), Y).Value - TOp.Apply<Real64>(new(x - h), Y).Value) / (2 * h);
            double fy = (TOp.Apply<Real64>(X, new(y + h)).Value - TOp.Apply<Real64>(X, new(y - h)).Value) / (2 * h);
            Assert.That(TOp.PartialX<Real64>(X, Y).Value, Is.EqualTo(fx).Within(1e-7 * Math.Max(1, Math.Abs(fx))), $"d/dx at ({x}, {y})");
            Assert.That(TOp.PartialY<Real64>(X, Y).Value, Is.EqualTo(fy).Within(1e-7 * Math.Max(1, Math.Abs(fy))), $"d/dy at ({x}, {y})");
        }
    }

    /// <summary>The example of docs/articles/ops-written-once.md: SiLU's derivative over one float and over eight lanes, the same bits.</summary>
    [Test]
    public void DocumentedExample_OneFormula_SameBitsForOneAndEight()
    {
        var silu = new SiLU();
        float one = silu.Derivative<Real, bool>(0.5f);
        Real8 eight = silu.Derivative<Real8, Vector256<float>>(Vector256.Create(0.5f));
        Assert.That(one == eight[3], Is.True);
        double s = 1 / (1 + Math.Exp(-0.5));
        Assert.That(one, Is.EqualTo(s * (1 + 0.5 * (1 - s))).Within(1e-6)); // SiLU'(x) = s (1 + x (1 - s)), s the logistic
    }

    /// <summary>The op codes of <see cref="Arithmetic"/> reach their structs: Apply by code equals the struct's own, for every code.</summary>
    [Test]
    public void ArithmeticCodes_DispatchToTheirStructs()
    {
        Assert.That(Arithmetic.Apply(Arithmetic.Add, 3f, 0.5f), Is.EqualTo(Addition.Apply<Real>(3f, 0.5f).Value));
        Assert.That(Arithmetic.Apply(Arithmetic.Subtract, 3f, 0.5f), Is.EqualTo(2.5f));
        Assert.That(Arithmetic.Apply(Arithmetic.Multiply, 3f, 0.5f), Is.EqualTo(1.5f));
        Assert.That(Arithmetic.Apply(Arithmetic.Divide, 3f, 0.5f), Is.EqualTo(6f));
        Assert.That(Arithmetic.Partial(Arithmetic.Divide, 1, 3f, 0.5f), Is.EqualTo(-12f));
        Assert.That(Arithmetic.Partial(Arithmetic.Subtract, 1, 3f, 0.5f), Is.EqualTo(-1f));
    }
}

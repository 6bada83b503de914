using System.Runtime.Intrinsics;
using TorchEbm.Functions;
using TorchEbm.Networks;

namespace TorchEbm.Tests.Kernels;

/// <summary>
/// The host network's vector activations (<see cref="HostActivation"/>) against the activation structs the kernels run,
/// value and derivative, from far in either tail to near zero.
/// </summary>
public sealed class HostActivationTests
{
    private static readonly IUnaryFunction[] Functions =
        [new SiLU(), new Tanh(), new Sigmoid(), new Softplus(), new ReLU(), new LeakyReLU(0.01f), new ELU(1f)];

    public static IEnumerable<TestCaseData> Cases() => Functions.Select(f => new TestCaseData(f).SetArgDisplayNames(f.GetType().Name));

    [TestCaseSource(nameof(Cases))]
    public void ValueAndDerivative_MatchTheScalarStruct(IUnaryFunction f) => Compare((dynamic)f);

    /// <summary>An element's value does not depend on its place: the tail past the last whole vector is padded into one.</summary>
    [Test]
    public void SameInput_GivesTheSameValue_AtEveryPosition()
    {
        const int n = 19; // two whole vectors and a tail of three
        float[] input = Enumerable.Repeat(-1.7f, n).ToArray(), value = new float[n], slope = new float[n], second = new float[n];
        float[] gradient = Enumerable.Repeat(0.25f, n).ToArray(), upstream = Enumerable.Repeat(1.5f, n).ToArray();
        HostActivation.Map(new SiLU(), input, value);
        HostActivation.MapDerivative(new SiLU(), input, slope);
        HostActivation.MapHigher(new SiLU(), 2, input, second);
        HostActivation.MapBackward(new SiLU(), input, upstream, gradient);
        foreach ((string name, float[] values) in new[] { ("value", value), ("slope", slope), ("second derivative", second), ("backward", gradient) })
            Assert.That(values.Select(BitConverter.SingleToInt32Bits).Distinct().Count(), Is.EqualTo(1), name);
    }

    [Test]
    public void Gelu_HasNoVectorForm_SoTheScalarStructRuns() =>
        Assert.That(HostActivation.TryApply(new GELU(), Vector256<float>.One, out _, out _), Is.False);

    /// <summary>
    /// Both are float32 evaluations of the same formulas with transcendentals of about one ulp, but not the same
    /// intermediates: an intermediate of magnitude up to 1 (a logistic, 1 - s, e^-|z|, 1 - 2 / (e^2|z| + 1)) is rounded to
    /// 2^-24 and may be multiplied by up to |x| (SiLU' = s + x s (1 - s)). So each result must agree within 4 ulps of 1,
    /// of |x| and of itself: 4 * 2^-23 (1 + |x| + |f|).
    /// </summary>
    private static void Compare<TFn>(TFn f) where TFn : struct, IUnaryFunction
    {
        float[] points = [.. Enumerable.Range(-400, 801).Select(i => i * 0.05f), -88f, -50f, 50f, 88f, -1e-4f, 1e-4f, -1e-30f, 0f,
            .. Enumerable.Range(1, 12).SelectMany(k => new[] { MathF.Pow(10f, -k), -3f * MathF.Pow(10f, -k) })];
        for (int i = 0; i < points.Length; i += 8)
        {
            var lanes = new float[8];
            for (int k = 0; k < 8; k++) lanes[k] = points[Math.Min(i + k, points.Length - 1)];
            Assert.That(HostActivation.TryApply(f, Vector256.Create(lanes), out Vector256<float> value, out Vector256<float> slope), Is.True);
            for (int k = 0; k < 8; k++)
            {
                float x = lanes[k];
                Assert.That(value[k], Is.EqualTo(f.Apply(x)).Within(Tolerance(x, f.Apply(x))), $"{typeof(TFn).Name}({x})");
                // (Not ELU: the struct itself computes e^x - 1 by a subtraction, so near 0 both agree only absolutely.)
                if (Math.Abs(x) < 1 && f.Apply(x) != 0 && typeof(TFn) != typeof(ELU))
                    Assert.That(Math.Abs(value[k] / f.Apply(x) - 1), Is.LessThan(8 * Math.Pow(2, -23)),
                        $"{typeof(TFn).Name}({x}) relative: an activation's value near 0 keeps its relative accuracy");
                Assert.That(slope[k], Is.EqualTo(f.Derivative(x)).Within(Tolerance(x, f.Derivative(x))), $"{typeof(TFn).Name}'({x})");
            }
        }
    }

    /// <summary>The agreement the remarks above derive, also used for <see cref="ElementwiseMap"/>'s host path.</summary>
    internal static double Tolerance(float x, float expected) => 4 * Math.Pow(2, -23) * (1 + Math.Abs(x) + Math.Abs(expected));
}

using TorchEbm.Functions;
using TorchEbm.Networks;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Kernels;

/// <summary>
/// The tape's element-wise functions through <see cref="ElementwiseMap"/> (on the CPU the host's vector code for the
/// network activations) against the ILGPU kernels of <see cref="UnaryKernels"/>: forward, backward and the first
/// derivative node's value, on a length that leaves a scalar tail.
/// </summary>
public sealed class ElementwiseMapTests(DeviceKind kind) : DeviceTest(kind)
{
    private static readonly IUnaryFunction[] Functions =
        [new SiLU(), new Tanh(), new Sigmoid(), new Softplus(), new ReLU(), new LeakyReLU(0.01f), new ELU(1f), new GELU(), new Exp()];

    public static IEnumerable<TestCaseData> Cases() => Functions.Select(f => new TestCaseData(f).SetArgDisplayNames(f.GetType().Name));

    [TestCaseSource(nameof(Cases))]
    public void ForwardAndBackward_MatchTheKernels(IUnaryFunction f) => Compare((dynamic)f);

    private static readonly IUnaryFunction[] AllFunctions =
    [
        new SiLU(), new Tanh(), new Sigmoid(), new Softplus(), new ReLU(), new LeakyReLU(0.01f), new ELU(1f), new GELU(), new Exp(),
        new Square(), new Log(), new Sqrt(), new Abs(), new Sin(), new Cos(), new Power(2.5f),
    ];

    public static IEnumerable<TestCaseData> AllCases() => AllFunctions.Select(f => new TestCaseData(f).SetArgDisplayNames(f.GetType().Name));

    /// <summary>
    /// Where the CPU runs the function struct's own methods in a host loop (functions without a vector form, every
    /// derivative node above the first, every derivative node's backward step), it computes the kernel's floats: bit for bit.
    /// </summary>
    [TestCaseSource(nameof(AllCases))]
    public void HostLoops_AreBitIdenticalToTheKernels(IUnaryFunction f)
    {
        Assume.That(Device.Kind == DeviceKind.Cpu, "the host loops run on the CPU accelerator only");
        CompareLoops((dynamic)f);
    }

    /// <summary>
    /// SiLU's and the sigmoid's second and third derivatives in vector form (derivative nodes and their backward steps)
    /// against the kernels. Bound: the logistic s agrees to 4 ulps of 1 (HostActivationTests); d1 = s (1 - s),
    /// d2 = d1 (1 - 2 s) and d3 = d1 (1 - 6 s + 6 s^2) change by at most |ds| per unit of s on [0, 1] (their slopes in s,
    /// 1 - 2 s, 1 - 6 s + 6 s^2 and 1 - 14 s + 36 s^2 - 24 s^3, stay within [-1, 1]), and each adds a few roundings of
    /// values below 1: 8 ulps of 1 per d_k. SiLU's k d_(k-1) + x d_k scales that by (k + |x|); the final rounding adds 4
    /// ulps of the result. A backward step multiplies by |g| and adds one rounding of the accumulated sum.
    /// </summary>
    [TestCase(typeof(SiLU))]
    [TestCase(typeof(Sigmoid))]
    public void HigherDerivatives_InVectorForm_MatchTheKernels(Type function)
    {
        Assume.That(Device.Kind == DeviceKind.Cpu && CpuMlp.IsSupported, "the vector forms run on the CPU accelerator only");
        CompareHigher((dynamic)Activator.CreateInstance(function)!);
    }

    private void CompareHigher<TFn>(TFn f) where TFn : struct, IUnaryFunction
    {
        const int n = 1003;
        const double ulp = 1.0 / (1 << 23);
        var random = new Random(7);
        float[] xs = Enumerable.Range(0, n).Select(_ => 24f * (random.NextSingle() - 0.5f)).ToArray();
        float[] gs = Enumerable.Range(0, n).Select(_ => 2f * (random.NextSingle() - 0.5f)).ToArray();
        using Tensor x = Device.FromArray(xs, n), g = Device.FromArray(gs, n);
        bool silu = typeof(TFn) == typeof(SiLU);
        for (int order = 2; order <= UnaryKernels.MaxOrder; order++)
        {
            using Tensor value = Device.Allocate([n]), kernel = Device.Allocate([n]);
            ElementwiseMap.Derivative(x, value, f, order);
            Device.Launch(UnaryKernels.DerivativeForward, n, x.View, kernel.View, f, order);
            using Tensor gradient = Device.Full(0.5f, n), kernelGradient = Device.Full(0.5f, n);
            ElementwiseMap.DerivativeBackward(x, g, gradient, f, order - 1);
            Device.Launch(UnaryKernels.DerivativeBackward, n, x.View, g.View, kernelGradient.View, f, order - 1);
            float[] actual = value.ToArray(), expected = kernel.ToArray(), grad = gradient.ToArray(), expectedGrad = kernelGradient.ToArray();
            for (int i = 0; i < n; i++)
            {
                double bound = 8 * ulp * (silu ? order + Math.Abs(xs[i]) : 1) + 4 * ulp * Math.Abs(expected[i]);
                Assert.That(actual[i], Is.EqualTo(expected[i]).Within(bound), $"{typeof(TFn).Name}^({order})({xs[i]})");
                double gradBound = Math.Abs(gs[i]) * bound + 2 * ulp * (Math.Abs(expectedGrad[i]) + 1);
                Assert.That(grad[i], Is.EqualTo(expectedGrad[i]).Within(gradBound), $"backward of {typeof(TFn).Name}^({order - 1})({xs[i]})");
            }
        }
    }

    private void CompareLoops<TFn>(TFn f) where TFn : struct, IUnaryFunction
    {
        const int n = 1003;
        var random = new Random(6);
        // Positive inputs for log, sqrt and the fractional power; both signs for the rest.
        bool positive = typeof(TFn) == typeof(Log) || typeof(TFn) == typeof(Functions.Sqrt) || typeof(TFn) == typeof(Power);
        using Tensor x = Device.FromArray(Enumerable.Range(0, n).Select(_ => positive ? 0.05f + 4f * random.NextSingle() : 8f * (random.NextSingle() - 0.5f)).ToArray(), n);
        using Tensor g = Device.FromArray(Enumerable.Range(0, n).Select(_ => 2f * (random.NextSingle() - 0.5f)).ToArray(), n);
        static int[] Bits(Tensor t) => t.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
        if (!HostActivation.Has<TFn>())
        {
            using Tensor mapped = Device.Allocate([n]), kernel = Device.Allocate([n]);
            ElementwiseMap.Forward(x, mapped, f);
            Device.Launch(UnaryKernels.Forward, n, x.View, kernel.View, f);
            Assert.That(Bits(mapped), Is.EqualTo(Bits(kernel)), "forward");
            using Tensor gradient = Device.Full(0.5f, n), kernelGradient = Device.Full(0.5f, n);
            ElementwiseMap.Backward(x, g, gradient, f);
            Device.Launch(UnaryKernels.Backward, n, x.View, g.View, kernelGradient.View, f);
            Assert.That(Bits(gradient), Is.EqualTo(Bits(kernelGradient)), "backward");
        }
        // SiLU's and the sigmoid's higher derivatives have vector forms: HigherDerivatives_InVectorForm_MatchTheKernels.
        if (HostActivation.HasHigher<TFn>() && CpuMlp.IsSupported) return;
        for (int order = HostActivation.Has<TFn>() ? 2 : 1; order <= UnaryKernels.MaxOrder; order++)
        {
            using Tensor value = Device.Allocate([n]), kernel = Device.Allocate([n]);
            ElementwiseMap.Derivative(x, value, f, order);
            Device.Launch(UnaryKernels.DerivativeForward, n, x.View, kernel.View, f, order);
            Assert.That(Bits(value), Is.EqualTo(Bits(kernel)), $"derivative node of order {order}");
        }
        for (int order = 1; order < UnaryKernels.MaxOrder; order++)
        {
            using Tensor gradient = Device.Full(0.5f, n), kernelGradient = Device.Full(0.5f, n);
            ElementwiseMap.DerivativeBackward(x, g, gradient, f, order);
            Device.Launch(UnaryKernels.DerivativeBackward, n, x.View, g.View, kernelGradient.View, f, order);
            Assert.That(Bits(gradient), Is.EqualTo(Bits(kernelGradient)), $"backward of the order-{order} node");
        }
    }

    private void Compare<TFn>(TFn f) where TFn : struct, IUnaryFunction
    {
        const int n = 1003;
        var random = new Random(5);
        using Tensor x = Device.FromArray(Enumerable.Range(0, n).Select(_ => 8f * (random.NextSingle() - 0.5f)).ToArray(), n);
        using Tensor g = Device.FromArray(Enumerable.Range(0, n).Select(_ => 2f * (random.NextSingle() - 0.5f)).ToArray(), n);
        using Tensor mapped = Device.Allocate([n]), kernel = Device.Allocate([n]);
        using Tensor mappedGradient = Device.Full(0.5f, n), kernelGradient = Device.Full(0.5f, n);
        using Tensor slope = Device.Allocate([n]), kernelSlope = Device.Allocate([n]);
        ElementwiseMap.Derivative(x, slope, f, 1);
        Device.Launch(UnaryKernels.DerivativeForward, n, x.View, kernelSlope.View, f, 1);
        float[] slopes = slope.ToArray(), expectedSlopes = kernelSlope.ToArray();
        ElementwiseMap.Forward(x, mapped, f);
        ElementwiseMap.Backward(x, g, mappedGradient, f);
        Device.Launch(UnaryKernels.Forward, n, x.View, kernel.View, f);
        Device.Launch(UnaryKernels.Backward, n, x.View, g.View, kernelGradient.View, f);
        float[] xs = x.ToArray(), gs = g.ToArray();
        float[] value = mapped.ToArray(), expected = kernel.ToArray(), gradient = mappedGradient.ToArray(), expectedGradient = kernelGradient.ToArray();
        for (int i = 0; i < n; i++)
        {
            // As HostActivationTests: 4 ulps of 1, |x| and the result; the gradient's product adds |g| times that of f'.
            double tolerance = HostActivationTests.Tolerance(xs[i], expected[i]);
            Assert.That(value[i], Is.EqualTo(expected[i]).Within(tolerance), $"{typeof(TFn).Name}({xs[i]})");
            double slopeTolerance = HostActivationTests.Tolerance(xs[i], expectedSlopes[i]);
            Assert.That(slopes[i], Is.EqualTo(expectedSlopes[i]).Within(slopeTolerance), $"{typeof(TFn).Name} derivative node ({xs[i]})");
            double gradientTolerance = 4 * Math.Pow(2, -23) * (1 + Math.Abs(expectedGradient[i]) + Math.Abs(gs[i]) * (1 + Math.Abs(xs[i]) + 1));
            Assert.That(gradient[i], Is.EqualTo(expectedGradient[i]).Within(gradientTolerance), $"{typeof(TFn).Name}'({xs[i]})");
        }
    }
}

using TorchEbm.Functions;
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

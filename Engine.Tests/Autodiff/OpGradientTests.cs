using TorchEbm.Autodiff;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Autodiff;

/// <summary>
/// Every op's value equals a float64 host reference, and its backward pass equals central finite differences of
/// that reference (norm-wise relative error &lt; 1e-3). The scalar checked is sum(op(inputs) * R) with a fixed random
/// R, so every output element's gradient is weighted differently.
/// </summary>
public sealed class OpGradientTests(DeviceKind kind) : DeviceTest(kind)
{
    /// <summary>An op under test: input shapes, the device op, the host reference, and how inputs are drawn.</summary>
    public sealed record OpCase(string Name, int[][] Shapes, Func<Var[], Var> Op, Func<double[][], double[]> Host, Func<double, double>? Draw = null)
    {
        public override string ToString() => Name;
    }

    // Inputs away from kinks (|x| >= 0.2) for the piecewise activations, positive for log.
    private static double AwayFromZero(double u) => Math.Sign(u) * (0.2 + Math.Abs(u));

    public static IEnumerable<OpCase> Cases()
    {
        int[] v = [3, 5];
        yield return new("add", [v, v], x => x[0] + x[1], h => Zip(h[0], h[1], (a, b) => a + b));
        yield return new("sub", [v, v], x => x[0] - x[1], h => Zip(h[0], h[1], (a, b) => a - b));
        yield return new("mul", [v, v], x => x[0] * x[1], h => Zip(h[0], h[1], (a, b) => a * b));
        yield return new("scale", [v], x => x[0] * 1.7f, h => h[0].Select(a => a * 1.7f).ToArray());
        yield return new("div", [v], x => x[0] / 4f, h => h[0].Select(a => a / 4).ToArray());
        yield return new("neg", [v], x => -x[0], h => h[0].Select(a => -a).ToArray());
        yield return new("square", [v], x => x[0].Square(), h => h[0].Select(a => a * a).ToArray());
        yield return new("exp", [v], x => x[0].Exp(), h => h[0].Select(a => Math.Exp(a)).ToArray());
        yield return new("log", [v], x => x[0].Log(), h => h[0].Select(a => Math.Log(a)).ToArray(), u => 0.5 + Math.Abs(u));
        yield return new("sum", [v], x => x[0].Sum(), h => [h[0].Sum()]);
        yield return new("mean", [[1000]], x => x[0].Mean(), h => [h[0].Average()]);
        yield return new("reshape", [v], x => x[0].Reshape(15), h => h[0]);
        yield return new("slice", [[15]], x => x[0].Slice(4, 7), h => h[0][4..11]);
        // Two slices of one Var, as the CD loss takes the data and negative parts of one batch: both gradients add up.
        yield return new("two slices", [[15]], x => x[0].Slice(0, 5).Square().Mean() - x[0].Slice(5, 10).Mean(),
            h => [h[0][..5].Average(a => a * a) - h[0][5..].Average()]);
        yield return new("pow 3", [v], x => x[0].Pow(3f), h => h[0].Select(a => a * a * a).ToArray());
        yield return new("pow 2.5", [v], x => x[0].Pow(2.5f), h => h[0].Select(a => Math.Pow(a, 2.5)).ToArray(), u => 0.3 + Math.Abs(u));
        yield return new("pow -1.5", [v], x => x[0].Pow(-1.5f), h => h[0].Select(a => Math.Pow(a, -1.5)).ToArray(), u => 0.5 + Math.Abs(u));
        yield return new("pow -2 of negatives", [v], x => x[0].Pow(-2f), h => h[0].Select(a => Math.Pow(a, -2)).ToArray(), u => -0.5 - Math.Abs(u));
        yield return new("sqrt", [v], x => x[0].Sqrt(), h => h[0].Select(Math.Sqrt).ToArray(), u => 0.3 + Math.Abs(u));
        yield return new("abs", [v], x => x[0].Abs(), h => h[0].Select(Math.Abs).ToArray(), AwayFromZero);
        yield return new("sin", [v], x => (2f * x[0]).Sin(), h => h[0].Select(a => Math.Sin(2 * a)).ToArray());
        yield return new("cos", [v], x => (2f * x[0]).Cos(), h => h[0].Select(a => Math.Cos(2 * a)).ToArray());
        yield return new("tanh", [v], x => x[0].Tanh(), h => h[0].Select(Math.Tanh).ToArray());
        yield return new("sigmoid", [v], x => x[0].Sigmoid(), h => h[0].Select(a => 1 / (1 + Math.Exp(-a))).ToArray());
        yield return new("softplus", [v], x => x[0].Softplus(), h => h[0].Select(a => Math.Log(1 + Math.Exp(a))).ToArray());
        foreach ((int[] sa, int[] sb) in new (int[], int[])[] { ([3, 5], [1, 5]), ([3, 5], [3, 1]), ([3, 5], [5]), ([1, 5], [3, 5]), ([3, 1], [1, 5]), ([5], [3, 1]), ([3, 5], [1, 1]) })
        {
            (int[] a, int[] b) = (sa, sb);
            string shapes = $"{Shapes.Format(a)} {Shapes.Format(b)}";
            yield return new($"broadcast + {shapes}", [a, b], x => x[0] + x[1], h => HostBroadcast(h[0], a, h[1], b, (p, q) => p + q));
            yield return new($"broadcast - {shapes}", [a, b], x => x[0] - x[1], h => HostBroadcast(h[0], a, h[1], b, (p, q) => p - q));
            yield return new($"broadcast * {shapes}", [a, b], x => x[0] * x[1], h => HostBroadcast(h[0], a, h[1], b, (p, q) => p * q));
            yield return new($"broadcast / {shapes}", [a, b], x => x[0] / x[1], h => HostBroadcast(h[0], a, h[1], b, (p, q) => p / q), u => 0.5 + Math.Abs(u));
        }
        yield return new("logsumexp rows", [v], x => (3f * x[0]).LogSumExp(1),
            h => Enumerable.Range(0, 3).Select(r => Math.Log(h[0][(r * 5)..(r * 5 + 5)].Sum(a => Math.Exp(3 * a)))).ToArray());
        yield return new("logsumexp columns", [v], x => (3f * x[0]).LogSumExp(0),
            h => Enumerable.Range(0, 5).Select(c => Math.Log(Enumerable.Range(0, 3).Sum(r => Math.Exp(3 * h[0][r * 5 + c])))).ToArray());
        yield return new("concat columns", [[3, 2], [3, 3]], x => Var.Concat([x[0], x[1]]),
            h => Enumerable.Range(0, 15).Select(i => i % 5 < 2 ? h[0][i / 5 * 2 + i % 5] : h[1][i / 5 * 3 + i % 5 - 2]).ToArray());
        yield return new("concat rows", [[2, 5], [1, 5]], x => Var.Concat([x[0], x[1]], dim: 0), h => [.. h[0], .. h[1]]);
        // Three parts: a node of more than two parents keeps them in an array (VarParents).
        yield return new("concat three parts, rows", [[1, 3], [2, 3], [1, 3]], x => Var.Concat([x[0], x[1].Square(), x[2]], dim: 0),
            h => [.. h[0], .. h[1].Select(a => a * a), .. h[2]]);
        yield return new("concat a Var with itself", [[2, 2]], x => Var.Concat([x[0], x[0].Square()]),
            h => Enumerable.Range(0, 8).Select(i => i % 4 < 2 ? h[0][i / 4 * 2 + i % 4] : Math.Pow(h[0][i / 4 * 2 + i % 4 - 2], 2)).ToArray());
        yield return new("divide", [v, v], x => x[0] / x[1], h => Zip(h[0], h[1], (a, b) => a / b), u => 0.5 + Math.Abs(u));
        yield return new("plus scalar", [v], x => x[0] + 0.75f, h => h[0].Select(a => a + 0.75).ToArray());
        yield return new("scalar plus", [v], x => 0.75f + x[0], h => h[0].Select(a => 0.75 + a).ToArray());
        yield return new("minus scalar", [v], x => x[0] - 2f, h => h[0].Select(a => a - 2).ToArray());
        yield return new("scalar minus", [v], x => 1f - x[0], h => h[0].Select(a => 1 - a).ToArray());
        yield return new("column", [v], x => x[0].Column(3), h => Enumerable.Range(0, 3).Select(r => h[0][r * 5 + 3]).ToArray());
        yield return new("columns", [v], x => x[0].Columns(1, 3), h => Enumerable.Range(0, 9).Select(i => h[0][i / 3 * 5 + 1 + i % 3]).ToArray());
        // Overlapping column ranges of one Var (Rosenbrock's x[:, :-1] and x[:, 1:]): both gradients add up.
        yield return new("overlapping columns", [v], x => x[0].Columns(0, 4) * x[0].Columns(1, 4),
            h => Enumerable.Range(0, 12).Select(i => h[0][i / 4 * 5 + i % 4] * h[0][i / 4 * 5 + i % 4 + 1]).ToArray());
        yield return new("sum rows", [v], x => x[0].Sum(1), h => Enumerable.Range(0, 3).Select(r => h[0][(r * 5)..(r * 5 + 5)].Sum()).ToArray());
        yield return new("mean rows", [v], x => x[0].Mean(1), h => Enumerable.Range(0, 3).Select(r => h[0][(r * 5)..(r * 5 + 5)].Average()).ToArray());
        yield return new("sum columns", [v], x => x[0].Sum(0), h => Enumerable.Range(0, 5).Select(c => Enumerable.Range(0, 3).Sum(r => h[0][r * 5 + c])).ToArray());
        yield return new("mean columns", [v], x => x[0].Mean(0), h => Enumerable.Range(0, 5).Select(c => Enumerable.Range(0, 3).Average(r => h[0][r * 5 + c])).ToArray());
        yield return new("addBias", [v, [5]], x => x[0].AddBias(x[1]), h => h[0].Select((a, i) => a + h[1][i % 5]).ToArray());
        yield return new("matmul", [[4, 6], [6, 3]], x => x[0].MatMul(x[1]), h => HostMatMul(h[0], h[1], 4, 6, 3, false));
        yield return new("matmul 1x1x1", [[1, 1], [1, 1]], x => x[0].MatMul(x[1]), h => HostMatMul(h[0], h[1], 1, 1, 1, false));
        yield return new("matmulTransposed", [[5, 7], [9, 7]], x => x[0].MatMulTransposed(x[1]), h => HostMatMul(h[0], h[1], 5, 7, 9, true));
        foreach (Activation a in Enum.GetValues<Activation>())
            yield return new(a.ToString(), [v], x => x[0].Apply(a), h => h[0].Select(z => HostActivation(a, z)).ToArray(), AwayFromZero);
        yield return new("composite", [[4, 3], [2, 3], [2]],
            x => (x[0].MatMulTransposed(x[1]).AddBias(x[2]).Apply(Activation.Tanh).Square() * 0.5f).Mean(),
            h =>
            {
                double[] y = HostMatMul(h[0], h[1], 4, 3, 2, true);
                return [y.Select((z, i) => 0.5 * Math.Pow(Math.Tanh(z + h[2][i % 2]), 2)).Average()];
            });
    }

    [Test]
    public void Slice_RejectsBadRanges_BeforeAnyLaunch()
    {
        using var v = new Var(Device.Zeros(6), requiresGrad: true);
        using var m = new Var(Device.Zeros(2, 3), requiresGrad: true);
        Assert.Throws<ArgumentOutOfRangeException>(() => v.Slice(4, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => v.Slice(-1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => v.Slice(0, 0));
        Assert.That(Assert.Throws<ArgumentException>(() => m.Slice(0, 1))!.Message, Does.Contain("(2, 3)"));
    }

    [Test]
    public void ColumnsAndSums_RejectBadArguments_BeforeAnyLaunch()
    {
        using var m = new Var(Device.Zeros(2, 3), requiresGrad: true);
        using var v = new Var(Device.Zeros(6), requiresGrad: true);
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => m.Column(3))!.Message, Does.Contain("3 columns"));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Column(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Columns(2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Columns(0, 0));
        Assert.That(Assert.Throws<ArgumentException>(() => v.Column(0))!.Message, Does.Contain("(6,)"));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Sum(2));
        Assert.Throws<ArgumentException>(() => v.Sum(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = m + float.NaN);
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Pow(float.PositiveInfinity));
        using var other = new Var(Device.Zeros(2, 4));
        using var column = new Var(Device.Zeros(3, 1));
        Assert.That(Assert.Throws<ArgumentException>(() => _ = m + other)!.Message, Does.Contain("(2, 3)").And.Contain("(2, 4)"));
        Assert.That(Assert.Throws<ArgumentException>(() => _ = m * column)!.Message, Does.Contain("do not broadcast"));
        Assert.That(Assert.Throws<ArgumentException>(() => Var.Concat([m, column]))!.Message, Does.Contain("(2, 3) and (3, 1)"));
        Assert.Throws<ArgumentException>(() => Var.Concat([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.LogSumExp(2));
    }

    /// <summary>LogSumExp is shifted by the maximum: large and very negative inputs neither overflow nor underflow.</summary>
    [Test]
    public void LogSumExp_IsStable()
    {
        using var x = new Var(Device.FromArray(new float[,] { { 1000f, 1000f }, { -1000f, -1001f } }));
        using Var lse = x.LogSumExp(1);
        float[] v = lse.Value.ToArray();
        Assert.That(v[0], Is.EqualTo(1000f + MathF.Log(2f)).Within(1e-3f));
        Assert.That(v[1], Is.EqualTo(-1000f + MathF.Log(1f + MathF.Exp(-1f))).Within(1e-3f));
    }

    /// <summary>Pow follows PyTorch at its edges: NaN for a negative base with a non-integer exponent, signs of odd powers, 0^p.</summary>
    [Test]
    public void Pow_AtItsEdges_FollowsPyTorch()
    {
        using var x = new Var(Device.FromArray([-2f, -2f, 0f, 0f, 0f, 3f], 6));
        using Var half = x.Pow(0.5f), cube = x.Pow(3f), inverse = x.Pow(-1f), zero = x.Pow(0f);
        float[] a = half.Value.ToArray(), b = cube.Value.ToArray(), c = inverse.Value.ToArray(), z = zero.Value.ToArray();
        Assert.That(float.IsNaN(a[0]), "(-2)^0.5 is NaN");
        Assert.That(b[0], Is.EqualTo(-8f).Within(1e-5f));
        Assert.That(a[2], Is.EqualTo(0f));
        Assert.That(c[2], Is.EqualTo(float.PositiveInfinity));
        Assert.That(z, Is.All.EqualTo(1f));
        Assert.That(c[0], Is.EqualTo(-0.5f).Within(1e-6f));
    }

    /// <summary>
    /// Integer exponents multiply (as PyTorch's pow does for them), so exact products stay exact: 3^3 = 27, (-3)^4 = 81,
    /// and (-0)^-1 = -Infinity; the derivative p x^(p-1) goes the same way.
    /// </summary>
    [TestCase(3f)]
    [TestCase(4f)]
    [TestCase(5f)]
    [TestCase(10f)]
    [TestCase(-1f)]
    [TestCase(-2f)]
    [TestCase(-3f)]
    public void Pow_IntegerExponent_GivesCorrectlyRoundedProducts(float p)
    {
        float[] xs = [3f, -3f, 1.5f, -2f, 0.5f, 7f, -0f, 0f];
        using var x = new Var(Device.FromArray(xs, xs.Length), requiresGrad: true);
        using Var y = x.Pow(p);
        using Var total = y.Sum();
        using Tensor gradient = Tape.Grad(total, x);
        float[] value = y.Value.ToArray(), slope = gradient.ToArray();
        for (int i = 0; i < xs.Length; i++)
        {
            Assert.That(value[i], Is.EqualTo((float)Math.Pow(xs[i], p)), $"{xs[i]}^{p}");
            if (xs[i] != 0f) Assert.That(slope[i], Is.EqualTo(p * (float)Math.Pow(xs[i], p - 1)).Within(1).Ulps, $"d/dx x^{p} at {xs[i]}");
        }
    }

    /// <summary>(-0)^p for negative integer p: -Infinity for odd p, +Infinity for even, as PyTorch (and IEEE pow).</summary>
    [Test]
    public void Pow_NegativeZeroToNegativeIntegers_FollowsPyTorch()
    {
        using var x = new Var(Device.FromArray([-0f, 0f], 2));
        using Var odd = x.Pow(-1f), even = x.Pow(-2f), cube = x.Pow(3f);
        Assert.That(odd.Value.ToArray(), Is.EqualTo(new[] { float.NegativeInfinity, float.PositiveInfinity }));
        Assert.That(even.Value.ToArray(), Is.EqualTo(new[] { float.PositiveInfinity, float.PositiveInfinity }));
        Assert.That(float.IsNegative(cube.Value.ToArray()[0]), "(-0)^3 is -0");
    }

    [TestCaseSource(nameof(Cases))]
    public void Backward_MatchesFiniteDifferences(OpCase op)
    {
        var random = new System.Random(op.Name.Length * 7919 + op.Shapes.Length);
        Func<double, double> draw = op.Draw ?? (u => u);
        double[][] inputs = op.Shapes.Select(s => Enumerable.Range(0, s.Aggregate(1, (a, b) => a * b))
            .Select(_ => (double)(float)draw(2 * random.NextDouble() - 1)).ToArray()).ToArray();
        Var[] vars = inputs.Select((x, i) => new Var(Device.FromArray(x.Select(d => (float)d).ToArray(), op.Shapes[i]), requiresGrad: true)).ToArray();
        try
        {
            using Var output = op.Op(vars);
            double[] expectedValue = op.Host(inputs);
            float[] value = output.Value.ToArray();
            Assert.That(value.Length, Is.EqualTo(expectedValue.Length), "output size");
            Assert.That(FiniteDifferences.RelativeError(value, expectedValue), Is.LessThan(1e-5), "value");

            double[] weights = Enumerable.Range(0, value.Length).Select(_ => 2 * random.NextDouble() - 1).ToArray();
            using var r = new Var(Device.FromArray(weights.Select(w => (float)w).ToArray(), output.Shape));
            using Var loss = (output * r).Sum();
            loss.Backward();

            for (int i = 0; i < inputs.Length; i++)
            {
                int which = i;
                double Loss(double[] x)
                {
                    double[][] all = inputs.Select((xs, j) => j == which ? x : xs).ToArray();
                    return op.Host(all).Select((y, k) => y * weights[k]).Sum();
                }
                double[] expected = FiniteDifferences.Gradient(Loss, (double[])inputs[i].Clone());
                float[] actual = vars[i].Grad!.ToArray();
                Assert.That(FiniteDifferences.RelativeError(actual, expected), Is.LessThan(1e-3), $"gradient of input {i}");
            }
        }
        finally
        {
            foreach (Var x in vars) x.Dispose();
        }
    }

    internal static double HostActivation(Activation a, double x) => a switch
    {
        Activation.ReLU => Math.Max(x, 0),
        Activation.LeakyReLU => x > 0 ? x : 0.01 * x,
        Activation.Tanh => Math.Tanh(x),
        Activation.Sigmoid => 1 / (1 + Math.Exp(-x)),
        Activation.Softplus => Math.Log(1 + Math.Exp(x)),
        Activation.SiLU => x / (1 + Math.Exp(-x)),
        Activation.ELU => x > 0 ? x : Math.Exp(x) - 1,
        Activation.GELU => 0.5 * x * (1 + MathNet.Numerics.SpecialFunctions.Erf(x / Math.Sqrt(2))),
        _ => throw new ArgumentOutOfRangeException(nameof(a)),
    };

    /// <summary>A (m, k) times B (k, n), or times B^T for B stored (n, k), in float64.</summary>
    internal static double[] HostMatMul(double[] a, double[] b, int m, int k, int n, bool transposeB)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double sum = 0;
            for (int p = 0; p < k; p++) sum += a[i * k + p] * (transposeB ? b[j * k + p] : b[p * n + j]);
            c[i * n + j] = sum;
        }
        return c;
    }

    /// <summary>a op b in float64 with PyTorch's broadcasting of rank-1 and rank-2 shapes (rank 1 is a row).</summary>
    private static double[] HostBroadcast(double[] a, int[] sa, double[] b, int[] sb, Func<double, double, double> op)
    {
        (int ar, int ac) = sa.Length == 1 ? (1, sa[0]) : (sa[0], sa[1]);
        (int br, int bc) = sb.Length == 1 ? (1, sb[0]) : (sb[0], sb[1]);
        int rows = Math.Max(ar, br), cols = Math.Max(ac, bc);
        var result = new double[rows * cols];
        for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            result[r * cols + c] = op(a[(ar == 1 ? 0 : r) * ac + (ac == 1 ? 0 : c)], b[(br == 1 ? 0 : r) * bc + (bc == 1 ? 0 : c)]);
        return result;
    }

    private static double[] Zip(double[] a, double[] b, Func<double, double, double> f) => a.Select((x, i) => f(x, b[i])).ToArray();
}

using MathNet.Numerics.LinearAlgebra;
using TorchEbm.Autodiff;
using TorchEbm.Tests.Autodiff;
using TorchEbm.Tests.Support;
using TorchEbm.Transforms;

namespace TorchEbm.Tests.Transforms;

/// <summary>
/// Each constraint transform against float64 host references: its value against the closed form, its log-Jacobian
/// against ln |det J| of a central-difference Jacobian of that closed form, the gradient of value and log-Jacobian
/// through the tape against finite differences, and the inverse as a round trip; bad bounds and shapes are refused
/// before any op runs.
/// </summary>
public sealed class TransformTests(DeviceKind kind) : DeviceTest(kind)
{
    private const int Rows = 5;

    /// <summary>
    /// A transform under test: the unconstrained shape of one row (empty for a scalar per row), the device transform and
    /// its inverse, the closed form of one row in float64, and the outputs that are free coordinates (the Jacobian's
    /// rows; default: the first <c>x.Length</c>).
    /// </summary>
    public sealed record TransformCase(string Name, int[] RowShape, Func<Var, Constrained> Constrain, Func<Var, Var> Unconstrain,
        Func<double[], double[]> Host, Func<double[], double[]>? FreeOutputs = null)
    {
        public int Width => RowShape.Length == 0 ? 1 : RowShape[0];

        /// <summary>The row map from the unconstrained values to the free coordinates of the constrained value.</summary>
        public double[] Free(double[] x) => FreeOutputs is null ? FirstOf(Host(x), x.Length) : FreeOutputs(Host(x));

        private static double[] FirstOf(double[] y, int count) => y[..count];

        public override string ToString() => Name;
    }

    private static double Sigmoid(double u) => 1 / (1 + Math.Exp(-u));

    public static IEnumerable<TransformCase> Cases()
    {
        yield return new("positive (n)", [], x => Positive.Constrain(x), Positive.Unconstrain, x => [Math.Exp(x[0])]);
        yield return new("positive (n, 3)", [3], x => Positive.Constrain(x), Positive.Unconstrain, x => x.Select(Math.Exp).ToArray());
        yield return new("lower bound -2", [3], x => LowerBound.Constrain(x, -2f), y => LowerBound.Unconstrain(y, -2f),
            x => x.Select(v => -2 + Math.Exp(v)).ToArray());
        yield return new("upper bound 1.5", [3], x => UpperBound.Constrain(x, 1.5f), y => UpperBound.Unconstrain(y, 1.5f),
            x => x.Select(v => 1.5 - Math.Exp(v)).ToArray());
        yield return new("interval (-1, 3) (n)", [], x => Interval.Constrain(x, -1f, 3f), y => Interval.Unconstrain(y, -1f, 3f),
            x => [-1 + 4 * Sigmoid(x[0])]);
        yield return new("interval (0.5, 0.75)", [3], x => Interval.Constrain(x, 0.5f, 0.75f), y => Interval.Unconstrain(y, 0.5f, 0.75f),
            x => x.Select(v => 0.5 + 0.25 * Sigmoid(v)).ToArray());
        yield return new("ordered 4", [4], Ordered.Constrain, Ordered.Unconstrain, x =>
        {
            var y = new double[x.Length];
            y[0] = x[0];
            for (int k = 1; k < x.Length; k++) y[k] = y[k - 1] + Math.Exp(x[k]);
            return y;
        });
        yield return new("ordered 1", [1], Ordered.Constrain, Ordered.Unconstrain, x => [x[0]]);
        yield return new("simplex 4", [3], Simplex.Constrain, Simplex.Unconstrain, HostSimplex);
        yield return new("simplex 2", [1], Simplex.Constrain, Simplex.Unconstrain, HostSimplex);
        foreach (int k in new[] { 2, 3, 5 })
            yield return new($"cholesky correlation {k}", [k * (k - 1) / 2], CholeskyCorrelation.Constrain, CholeskyCorrelation.Unconstrain,
                y => HostCholeskyCorrelation(y, k), l => StrictlyLower(l, k));
    }

    /// <summary>Stan's cholesky_corr_constrain (stan/math/prim/constraint/cholesky_corr_constrain.hpp), in float64.</summary>
    private static double[] HostCholeskyCorrelation(double[] y, int k)
    {
        var x = new double[k * k];
        x[0] = 1;
        int a = 0;
        for (int i = 1; i < k; i++)
        {
            x[i * k] = Math.Tanh(y[a++]);
            double sumSquares = x[i * k] * x[i * k];
            for (int j = 1; j < i; j++)
            {
                x[i * k + j] = Math.Tanh(y[a++]) * Math.Sqrt(1 - sumSquares);
                sumSquares += x[i * k + j] * x[i * k + j];
            }
            x[i * k + i] = Math.Sqrt(1 - sumSquares);
        }
        return x;
    }

    /// <summary>The strictly lower triangle of a row-major k x k matrix, row by row: a Cholesky correlation factor's free entries.</summary>
    private static double[] StrictlyLower(double[] l, int k) =>
        Enumerable.Range(1, k - 1).SelectMany(i => Enumerable.Range(0, i).Select(j => l[i * k + j])).ToArray();

    /// <summary>Stan's stick-breaking, written from the reference manual: K - 1 unconstrained values to K proportions.</summary>
    private static double[] HostSimplex(double[] x)
    {
        int k = x.Length + 1;
        var y = new double[k];
        double left = 1;
        for (int i = 0; i < k - 1; i++)
        {
            double z = Sigmoid(x[i] + Math.Log(1.0 / (k - 1 - i)));
            y[i] = left * z;
            left -= y[i];
        }
        y[k - 1] = left;
        return y;
    }

    /// <summary>Unconstrained inputs (Rows, width) drawn from 1.5 N(0, 1), rounded to float32 so host and device see the same numbers.</summary>
    private static double[] Draw(TransformCase c, int seed)
    {
        var random = new System.Random(seed);
        return Enumerable.Range(0, Rows * c.Width).Select(_ =>
        {
            double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
            return (double)(float)(1.5 * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }).ToArray();
    }

    private Var Input(TransformCase c, double[] x, bool requiresGrad = false) =>
        new(Device.FromArray(x.Select(v => (float)v).ToArray(), c.RowShape.Length == 0 ? [Rows] : [Rows, c.Width]), requiresGrad);

    private static double[] Row(double[] x, int r, int width) => x[(r * width)..((r + 1) * width)];

    /// <summary>ln |det J| of the square row map f at x, J from central differences (float64).</summary>
    private static double LogDetFiniteDifferences(Func<double[], double[]> f, double[] x)
    {
        int m = x.Length;
        var jacobian = Matrix<double>.Build.Dense(m, m);
        for (int j = 0; j < m; j++)
        {
            double h = 1e-6 * Math.Max(1, Math.Abs(x[j]));
            double[] plus = (double[])x.Clone(), minus = (double[])x.Clone();
            plus[j] += h;
            minus[j] -= h;
            double[] fp = f(plus), fm = f(minus);
            for (int i = 0; i < m; i++) jacobian[i, j] = (fp[i] - fm[i]) / (2 * h);
        }
        return Math.Log(Math.Abs(jacobian.Determinant()));
    }

    [TestCaseSource(nameof(Cases))]
    public void Value_MatchesTheClosedForm(TransformCase c)
    {
        double[] x = Draw(c, 11);
        using Var input = Input(c, x);
        (Var value, Var logJacobian) = Transform(c, input);
        using (value)
        using (logJacobian)
        {
            int outWidth = c.Host(Row(x, 0, c.Width)).Length;
            Assert.That(value.Shape, Is.EqualTo(c.RowShape.Length == 0 ? new[] { Rows } : new[] { Rows, outWidth }), "value shape");
            Assert.That(logJacobian.Shape, Is.EqualTo(new[] { Rows }), "log-Jacobian shape");
            double[] expected = Enumerable.Range(0, Rows).SelectMany(r => c.Host(Row(x, r, c.Width))).ToArray();
            Assert.That(FiniteDifferences.RelativeError(value.Value.ToArray(), expected), Is.LessThan(2e-6), "value");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void LogJacobian_MatchesTheFiniteDifferenceDeterminant(TransformCase c)
    {
        double[] x = Draw(c, 12);
        using Var input = Input(c, x);
        (Var value, Var logJacobian) = Transform(c, input);
        using (value)
        using (logJacobian)
        {
            float[] actual = logJacobian.Value.ToArray();
            for (int r = 0; r < Rows; r++)
            {
                double expected = LogDetFiniteDifferences(c.Free, Row(x, r, c.Width));
                Assert.That(actual[r], Is.EqualTo(expected).Within(2e-5 * Math.Max(1, Math.Abs(expected))), $"row {r}");
            }
        }
    }

    /// <summary>d/dx of sum(value * R) + sum(logJacobian * Q), fixed random R and Q, against central differences in float64.</summary>
    [TestCaseSource(nameof(Cases))]
    public void Gradient_MatchesFiniteDifferences(TransformCase c)
    {
        double[] x = Draw(c, 13);
        var random = new System.Random(14);
        int outWidth = c.Host(Row(x, 0, c.Width)).Length;
        double[] r = Enumerable.Range(0, Rows * outWidth).Select(_ => 2 * random.NextDouble() - 1).ToArray();
        double[] q = Enumerable.Range(0, Rows).Select(_ => 2 * random.NextDouble() - 1).ToArray();
        double Scalar(double[] all)
        {
            double s = 0;
            for (int row = 0; row < Rows; row++)
            {
                double[] xr = Row(all, row, c.Width), y = c.Host(xr);
                for (int j = 0; j < y.Length; j++) s += r[row * outWidth + j] * y[j];
                s += q[row] * LogDetFiniteDifferences(c.Free, xr);
            }
            return s;
        }
        double[] expected = FiniteDifferences.Gradient(Scalar, (double[])x.Clone(), h: 1e-4);

        using Var input = Input(c, x, requiresGrad: true);
        Constrained constrained = Transform(c, input);
        using var weights = new Var(Device.FromArray(r.Select(v => (float)v).ToArray(), constrained.Value.Shape));
        using var logWeights = new Var(Device.FromArray(q.Select(v => (float)v).ToArray(), Rows));
        using Var scalar = (constrained.Value * weights).Sum() + (constrained.LogJacobian * logWeights).Sum();
        scalar.Backward();
        Assert.That(FiniteDifferences.RelativeError(input.Grad!.ToArray(), expected), Is.LessThan(1e-3));
    }

    /// <summary>The create-graph gradient (every backward step as Var ops, as score-matching losses take it) equals the kernel backward's.</summary>
    [TestCaseSource(nameof(Cases))]
    public void CreateGraphGradient_EqualsTheKernelGradient(TransformCase c)
    {
        using Var input = Input(c, Draw(c, 18), requiresGrad: true);
        Constrained constrained = Transform(c, input);
        using Var scalar = constrained.Value.Square().Sum() + constrained.LogJacobian.Sum();
        using Tensor kernel = Tape.Grad(scalar, input);
        using Var graph = Tape.Grad(scalar, input, createGraph: true);
        Assert.That(FiniteDifferences.RelativeError(graph.Value.ToArray(), kernel.ToArray().Select(v => (double)v).ToArray()), Is.LessThan(1e-5));
    }

    [TestCaseSource(nameof(Cases))]
    public void Unconstrain_InvertsConstrain(TransformCase c)
    {
        double[] x = Draw(c, 15);
        using Var input = Input(c, x);
        (Var value, Var logJacobian) = Transform(c, input);
        using (logJacobian)
        using (value)
        using (Var back = c.Unconstrain(value))
        {
            Assert.That(back.Shape, Is.EqualTo(input.Shape), "shape");
            float[] actual = back.Value.ToArray();
            for (int i = 0; i < x.Length; i++) Assert.That(actual[i], Is.EqualTo(x[i]).Within(1e-4 * Math.Max(1, Math.Abs(x[i]))), $"x[{i}]");
        }
    }

    /// <summary>From the constrained side: a simplex drawn on the host, unconstrained and constrained again, is itself.</summary>
    [Test]
    public void Simplex_ConstrainInvertsUnconstrain()
    {
        var random = new System.Random(16);
        var y = new float[Rows * 5];
        for (int r = 0; r < Rows; r++)
        {
            double[] w = Enumerable.Range(0, 5).Select(_ => -Math.Log(1 - random.NextDouble())).ToArray(); // Dirichlet(1, ..., 1)
            for (int j = 0; j < 5; j++) y[r * 5 + j] = (float)(w[j] / w.Sum());
        }
        using var simplex = new Var(Device.FromArray(y, Rows, 5));
        using Var x = Simplex.Unconstrain(simplex);
        (Var value, Var logJacobian) = Simplex.Constrain(x);
        using (logJacobian)
        using (value)
        {
            float[] again = value.Value.ToArray();
            for (int i = 0; i < y.Length; i++) Assert.That(again[i], Is.EqualTo(y[i]).Within(1e-5f * Math.Max(1f, y[i])), $"y[{i}]");
        }
    }

    /// <summary>x = 0 is the centre of each constrained set Stan's offsets aim at: the uniform simplex and the interval's midpoint.</summary>
    [Test]
    public void Zero_MapsToTheCentre()
    {
        using var zeros = new Var(Device.Zeros(2, 4));
        (Var simplex, Var j1) = Simplex.Constrain(zeros);
        (Var middle, Var j2) = Interval.Constrain(zeros, -3f, 5f);
        using (simplex) using (j1) using (middle) using (j2)
        {
            Assert.That(simplex.Value.ToArray(), Is.All.EqualTo(0.2f).Within(1e-6f));
            Assert.That(middle.Value.ToArray(), Is.All.EqualTo(1f).Within(1e-6f));
        }
    }

    /// <summary>Far in the tails the interval's log-Jacobian stays finite (softplus form), where ln(sigmoid(x) (1 - sigmoid(x))) would be -infinity.</summary>
    [Test]
    public void IntervalLogJacobian_IsFiniteFarInTheTails()
    {
        using var x = new Var(Device.FromArray([-120f, 120f], 2));
        (Var value, Var logJacobian) = Interval.Constrain(x, 0f, 1f);
        using (value)
        using (logJacobian)
        {
            float[] j = logJacobian.Value.ToArray();
            Assert.That(j[0], Is.EqualTo(-120f).Within(1e-3f));
            Assert.That(j[1], Is.EqualTo(-120f).Within(1e-3f));
            Assert.That(value.Value.ToArray(), Is.EqualTo(new[] { 0f, 1f }).Within(1e-6f));
        }
    }

    /// <summary>L L^T of a Cholesky correlation factor is a correlation matrix: unit diagonal, off-diagonal inside (-1, 1).</summary>
    [Test]
    public void CholeskyCorrelation_GivesACorrelationMatrix()
    {
        const int k = 4;
        using var y = new Var(Device.Randn(3, k * (k - 1) / 2, seed: 17));
        (Var l, Var logJacobian) = CholeskyCorrelation.Constrain(y);
        using (logJacobian)
        using (l)
        {
            float[] v = l.Value.ToArray();
            for (int m = 0; m < 3; m++)
            for (int i = 0; i < k; i++)
            for (int j = 0; j <= i; j++)
            {
                double c = 0;
                for (int p = 0; p < k; p++) c += v[m * k * k + i * k + p] * (double)v[m * k * k + j * k + p];
                if (i == j) Assert.That(c, Is.EqualTo(1).Within(1e-6), $"[{m}] diagonal {i}");
                else Assert.That(Math.Abs(c), Is.LessThan(1), $"[{m}] correlation ({i}, {j})");
            }
        }
    }

    /// <summary>A starting value outside the constrained set unconstrains to NaN or an infinity (documented), never a throw.</summary>
    [Test]
    public void Unconstrain_OutsideTheSupport_GivesNonFiniteValues()
    {
        using var negative = new Var(Device.FromArray([-1f, 0f], 2));
        using var unordered = new Var(Device.FromArray(new float[,] { { 2f, 1f } }));
        using var withZero = new Var(Device.FromArray(new float[,] { { 0f, 1f } }));
        using Var a = Positive.Unconstrain(negative), b = Interval.Unconstrain(negative, 0f, 1f), c = Ordered.Unconstrain(unordered);
        using Var d = Simplex.Unconstrain(withZero);
        Assert.That(float.IsNaN(a.Value.ToArray()[0]) && a.Value.ToArray()[1] == float.NegativeInfinity, "positive");
        Assert.That(b.Value.ToArray().All(v => !float.IsFinite(v)), "interval");
        Assert.That(float.IsNaN(c.Value.ToArray()[1]), "ordered");
        Assert.That(d.Value.ToArray()[0], Is.EqualTo(float.NegativeInfinity), "simplex");
    }

    [Test]
    public void Bounds_NaNInfiniteOrReversed_AreRefusedNamingTheBound()
    {
        using var x = new Var(Device.Zeros(3, 2));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => LowerBound.Constrain(x, float.NaN))!.ParamName, Is.EqualTo("lower"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => LowerBound.Unconstrain(x, float.NegativeInfinity))!.ParamName, Is.EqualTo("lower"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => UpperBound.Constrain(x, float.PositiveInfinity))!.ParamName, Is.EqualTo("upper"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => UpperBound.Unconstrain(x, float.NaN))!.ParamName, Is.EqualTo("upper"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => Interval.Constrain(x, float.NaN, 1f))!.ParamName, Is.EqualTo("lower"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => Interval.Constrain(x, 0f, float.PositiveInfinity))!.ParamName, Is.EqualTo("upper"));
        ArgumentException equal = Assert.Throws<ArgumentException>(() => Interval.Constrain(x, 2f, 2f))!;
        Assert.That(equal.ParamName, Is.EqualTo("upper"));
        Assert.That(equal.Message, Does.Contain("lower").And.Contain("below"));
        Assert.Throws<ArgumentException>(() => Interval.Unconstrain(x, 3f, -1f));
        Assert.Throws<ArgumentException>(() => Interval.Constrain(x, -3e38f, 3e38f)); // b - a overflows float32
    }

    [Test]
    public void Shapes_ThatDoNotFit_AreRefusedNamingTheInput()
    {
        using var vector = new Var(Device.Zeros(4));
        using var empty = new Var(Device.Zeros(4, 1));
        Assert.That(Assert.Throws<ArgumentException>(() => Ordered.Constrain(vector))!.ParamName, Is.EqualTo("x"));
        Assert.That(Assert.Throws<ArgumentException>(() => Simplex.Constrain(vector))!.ParamName, Is.EqualTo("x"));
        Assert.That(Assert.Throws<ArgumentException>(() => Simplex.Unconstrain(empty))!.ParamName, Is.EqualTo("y")); // a 1-simplex has no free coordinate
        Assert.That(Assert.Throws<ArgumentException>(() => Ordered.Unconstrain(vector))!.ParamName, Is.EqualTo("y"));
        using var five = new Var(Device.Zeros(4, 5));
        Assert.That(Assert.Throws<ArgumentException>(() => CholeskyCorrelation.Constrain(five))!.Message, Does.Contain("K (K - 1) / 2"));
        Assert.That(Assert.Throws<ArgumentException>(() => CholeskyCorrelation.Unconstrain(five))!.ParamName, Is.EqualTo("l"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => Positive.Constrain(null!))!.ParamName, Is.EqualTo("x"));
        var disposed = new Var(Device.Zeros(2, 2));
        disposed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Positive.Constrain(disposed));
    }

    private static Constrained Transform(TransformCase c, Var input) => c.Constrain(input);
}

using TorchEbm.Autodiff;
using TorchEbm.Models;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Autodiff;

/// <summary>
/// Double backward: Hessian-vector products and mixed second derivatives taken through create-graph gradients equal
/// float64 finite differences of first derivatives (norm-wise relative error &lt; 1e-3), for every op of
/// <see cref="OpGradientTests"/> and for MLPs with each activation.
/// </summary>
public sealed class SecondOrderTests(DeviceKind kind) : DeviceTest(kind)
{
    // The inner difference (a directional derivative) and the outer one (its gradient) both in float64: with steps of
    // 1e-4 each, truncation and round-off stay near 1e-8 relative, far below the 1e-3 the float32 engine must reach.
    private const double Step = 1e-4;

    /// <summary>The directional derivative of <paramref name="f"/> along <paramref name="v"/> at <paramref name="x"/>, by central differences.</summary>
    private static double Directional(Func<double[], double> f, double[] x, double[] v)
    {
        double[] plus = x.Select((a, i) => a + Step * v[i]).ToArray(), minus = x.Select((a, i) => a - Step * v[i]).ToArray();
        return (f(plus) - f(minus)) / (2 * Step);
    }

    public static IEnumerable<Activation> Activations() => Enum.GetValues<Activation>();

    private static double[] Draw(System.Random random, int length, Func<double, double> draw) =>
        Enumerable.Range(0, length).Select(_ => (double)(float)draw(2 * random.NextDouble() - 1)).ToArray();

    /// <summary>
    /// For L = sum(op(x) * R) and each input i: d/dx_j (V_i . dL/dx_i) by double backward, against finite differences of
    /// the directional derivative of L along V_i, for every input j (the mixed terms of two-input ops included).
    /// </summary>
    [TestCaseSource(typeof(OpGradientTests), nameof(OpGradientTests.Cases))]
    public void HessianVectorProducts_MatchFiniteDifferences(OpGradientTests.OpCase op)
    {
        var random = new System.Random(op.Name.Length * 7919 + op.Shapes.Length);
        Func<double, double> draw = op.Draw ?? (u => u);
        double[][] inputs = op.Shapes.Select(s => Draw(random, s.Aggregate(1, (a, b) => a * b), draw)).ToArray();
        double[] weights = Draw(random, op.Host(inputs).Length, u => u);
        double[][] directions = inputs.Select(x => Draw(random, x.Length, u => u)).ToArray();
        double Loss(double[][] all) => op.Host(all).Select((y, k) => y * weights[k]).Sum();

        Var[] vars = inputs.Select((x, i) => new Var(Device.FromArray(x.Select(d => (float)d).ToArray(), op.Shapes[i]), requiresGrad: true)).ToArray();
        try
        {
            using Var output = op.Op(vars);
            using var r = new Var(Device.FromArray(weights.Select(w => (float)w).ToArray(), output.Shape));
            using Var loss = (output * r).Sum();
            for (int i = 0; i < inputs.Length; i++)
            {
                using Var gradient = Tape.Grad(loss, vars[i], createGraph: true);
                using var v = new Var(Device.FromArray(directions[i].Select(d => (float)d).ToArray(), op.Shapes[i]));
                using Var directional = (gradient * v).Sum();
                for (int j = 0; j < inputs.Length; j++)
                {
                    (int which, int by) = (i, j);
                    double Inner(double[] xj) =>
                        Directional(xi => Loss(inputs.Select((xs, k) => k == which ? xi : k == by && which != by ? xj : xs).ToArray()),
                            which == by ? xj : inputs[which], directions[which]);
                    double[] expected = FiniteDifferences.Gradient(Inner, (double[])inputs[j].Clone(), h: Step);
                    AssertSecondDerivative(directional, vars[j], expected, $"d/dx{j} (v . dL/dx{i})", NoiseFloor(Loss(inputs)));
                }
            }
        }
        finally
        {
            foreach (Var x in vars) x.Dispose();
        }
    }

    /// <summary>
    /// d(directional)/d(input) against <paramref name="expected"/>; where the engine finds no dependence (a linear op:
    /// its first derivative is constant), the finite differences must vanish too.
    /// </summary>
    private static void AssertSecondDerivative(Var directional, Var input, double[] expected, string what, double floor)
    {
        double size = Math.Sqrt(expected.Sum(e => e * e));
        if (!directional.RequiresGrad || !DependsOn(directional, input))
        {
            Assert.That(size, Is.LessThan(floor), $"{what}: the engine finds it constant, finite differences do not");
            return;
        }
        using Tensor actual = Tape.Grad(directional, input);
        Assert.That(FiniteDifferences.RelativeError(actual.ToArray(), expected, floor), Is.LessThan(1e-3), what);
    }

    /// <summary>
    /// The size below which the nested differences cannot resolve a 1e-3 relative error: their round-off (four
    /// evaluations of a loss of size |L|, each off by a few float64 ulps, divided by Step^2) over 1e-3. Where the true
    /// second derivative is 0 (piecewise-linear ops), the differences are that round-off, so errors are measured
    /// against this size rather than against a zero norm.
    /// </summary>
    private static double NoiseFloor(double loss) => 16 * 2.2e-16 * (1 + Math.Abs(loss)) / (Step * Step) / 1e-3;

    /// <summary>A parameter's gradient, or zeros where none flowed (dE/dx does not depend on the last bias).</summary>
    private static float[] GradOrZeros(Var parameter) => parameter.Grad?.ToArray() ?? new float[parameter.Value.Length];

    private static bool DependsOn(Var output, Var input)
    {
        try
        {
            Tape.Grad(output, input).Dispose();
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// For a 3-5-4-1 MLP with each activation: the per-sample Hessian-vector product d/dx (V . dE/dx) and the mixed
    /// derivative d/dtheta (V . dE/dx) for every parameter, through <see cref="BaseModel.Gradient(Var, bool)"/>.
    /// </summary>
    [TestCaseSource(nameof(Activations))]
    public void Mlp_HessianVectorProductAndMixedDerivatives_MatchFiniteDifferences(Activation activation)
    {
        const int n = 4, d = 3;
        var random = new System.Random(1000 + (int)activation);
        double[] x = Draw(random, n * d, u => 1.5 * u), v = Draw(random, n * d, u => u);
        using var model = new NeuralNetworkModel(new MLP(Device, d, [5, 4], 1, activation, seed: 11 + (int)activation));
        var host = new HostMlp(model.Network, activation);
        double Directional(double[] at) => SecondOrderTests.Directional(z => host.Energy(z, n), at, v);

        using var input = new Var(Device.FromArray(x.Select(a => (float)a).ToArray(), n, d), requiresGrad: true);
        using Var gradient = model.Gradient(input, createGraph: true);
        using var direction = new Var(Device.FromArray(v.Select(a => (float)a).ToArray(), n, d));
        using Var vg = (gradient * direction).Sum();

        AssertSecondDerivative(vg, input, FiniteDifferences.Gradient(Directional, (double[])x.Clone(), h: Step), "Hv", NoiseFloor(host.Energy(x, n)));
        model.Network.ZeroGrad();
        vg.Backward();
        foreach ((Var parameter, double[] values) in host.Parameters)
        {
            double[] expected = FiniteDifferences.Gradient(p =>
            {
                double[] saved = (double[])values.Clone();
                p.CopyTo(values, 0);
                double result = Directional(x);
                saved.CopyTo(values, 0);
                return result;
            }, (double[])values.Clone(), h: Step);
            Assert.That(FiniteDifferences.RelativeError(GradOrZeros(parameter), expected, NoiseFloor(host.Energy(x, n))), Is.LessThan(1e-3),
                $"d/dtheta (v . dE/dx) for a parameter of shape {Shapes.Format(parameter.Shape)}");
        }
    }

    /// <summary>
    /// A create-graph gradient taken twice, then a backward (what sliced score matching does): d/dtheta of
    /// sum V . H V for a tanh MLP matches finite differences, through the activations' third derivatives.
    /// </summary>
    [Test]
    public void Mlp_DerivativeOfHessianQuadraticForm_MatchesFiniteDifferences()
    {
        const int n = 3, d = 2;
        var random = new System.Random(77);
        double[] x = Draw(random, n * d, u => 1.5 * u), v = Draw(random, n * d, u => u);
        using var model = new NeuralNetworkModel(new MLP(Device, d, [6, 5], 1, Activation.Tanh, seed: 5));
        var host = new HostMlp(model.Network, Activation.Tanh);
        double Quadratic() =>
            SecondOrderTests.Directional(at => SecondOrderTests.Directional(z => host.Energy(z, n), at, v), x, v);

        using var input = new Var(Device.FromArray(x.Select(a => (float)a).ToArray(), n, d), requiresGrad: true);
        using var direction = new Var(Device.FromArray(v.Select(a => (float)a).ToArray(), n, d));
        using Var gradient = model.Gradient(input, createGraph: true);
        using Var vg = (gradient * direction).Sum();
        using Var hv = Tape.Grad(vg, input, createGraph: true);
        using Var vhv = (hv * direction).Sum();
        model.Network.ZeroGrad();
        vhv.Backward();
        foreach ((Var parameter, double[] values) in host.Parameters)
        {
            double[] expected = FiniteDifferences.Gradient(p =>
            {
                double[] saved = (double[])values.Clone();
                p.CopyTo(values, 0);
                double result = Quadratic();
                saved.CopyTo(values, 0);
                return result;
            }, (double[])values.Clone(), h: 1e-3);
            Assert.That(FiniteDifferences.RelativeError(GradOrZeros(parameter), expected), Is.LessThan(1e-3),
                $"d/dtheta (v . H v) for a parameter of shape {Shapes.Format(parameter.Shape)}");
        }
    }

    /// <summary>A fourth derivative of an element-wise function is refused with a clear error, not computed wrongly.</summary>
    [Test]
    public void ThirdCreateGraph_ThroughAnActivation_ThrowsNotSupported()
    {
        using var x = new Var(Device.FromArray([0.3f, -0.7f], 2), requiresGrad: true);
        using Var y = x.Tanh().Sum();
        using Var g1 = Tape.Grad(y, x, createGraph: true);
        using Var s1 = g1.Sum();
        using Var g2 = Tape.Grad(s1, x, createGraph: true);
        using Var s2 = g2.Sum();
        using Var g3 = Tape.Grad(s2, x, createGraph: true); // tanh''' is still provided
        float[] third = g3.Value.ToArray();
        Assert.That(third[0], Is.EqualTo(ThirdOfTanh(0.3)).Within(1e-5));
        using Var s3 = g3.Sum();
        Assert.That(Assert.Throws<NotSupportedException>(() => Tape.Grad(s3, x))!.Message, Does.Contain("order 4"));
    }

    private static double ThirdOfTanh(double x)
    {
        double t = Math.Tanh(x);
        return (1 - t * t) * (6 * t * t - 2);
    }

    /// <summary>Without createGraph, the Var overload is the tensor gradient; with it, the same values (first order).</summary>
    [Test]
    public void CreateGraph_GivesTheSameFirstDerivative_AsTheKernelPath()
    {
        using var model = new NeuralNetworkModel(new MLP(Device, 2, [8, 8], 1, Activation.GELU, seed: 3));
        using Tensor points = Device.FromArray([0.5f, -1f, 1.25f, 0.25f, -2f, 0.75f], 3, 2);
        using var x = new Var(points.Clone(), requiresGrad: true);
        using Tensor kernel = model.Gradient(points);
        using Var plain = model.Gradient(x), graph = model.Gradient(x, createGraph: true);
        Assert.That(plain.RequiresGrad, Is.False);
        Assert.That(graph.RequiresGrad, Is.True);
        Assert.That(FiniteDifferences.RelativeError(plain.Value.ToArray(), kernel.ToArray().Select(a => (double)a).ToArray()), Is.LessThan(1e-6));
        Assert.That(FiniteDifferences.RelativeError(graph.Value.ToArray(), kernel.ToArray().Select(a => (double)a).ToArray()), Is.LessThan(1e-5));
    }

    /// <summary>
    /// The create-graph gradient shares the energy's forward intermediates: either can be disposed first, the other
    /// keeps working, and disposing both frees every tensor.
    /// </summary>
    [Test]
    public void SharedGraph_DisposedInEitherOrder_WorksAndFreesEverything()
    {
        using var model = new NeuralNetworkModel(new MLP(Device, 2, [4], 1, Activation.SiLU, seed: 1));
        using var x = new Var(Device.FromArray([0.5f, -1f, 1.5f, 0.25f], 2, 2), requiresGrad: true);
        int before = Device.LiveTensors;
        for (int round = 0; round < 2; round++)
        {
            Var energies = model.Energies(x);
            Var total = energies.Sum();
            Var gradient = Tape.Grad(total, x, createGraph: true);
            Var squared = (gradient * gradient).Sum();
            if (round == 0) total.Dispose(); // the energy first: the gradient's graph must survive it
            using (Tensor hv = Tape.Grad(squared, x)) Assert.That(hv.ToArray().All(float.IsFinite));
            if (round == 1) total.Backward(); // the energy's own graph is whole too
            squared.Dispose();
            gradient.Dispose();
            total.Dispose();
            int leafGradients = model.Network.Parameters().Append(x).Count(p => p.Grad is not null);
            Assert.That(Device.LiveTensors - before, Is.EqualTo(leafGradients), $"round {round}: only the leaves' gradients remain");
        }
    }

    /// <summary>Two results read one intermediate: disposing one leaves the other's backward intact.</summary>
    [Test]
    public void IntermediateReadByTwoResults_SurvivesDisposingOne()
    {
        using var x = new Var(Device.FromArray([1f, 2f, 3f], 3), requiresGrad: true);
        Var h = x.Square();
        Var a = h.Sum(), b = h.Mean();
        a.Dispose();
        Assert.That(h.IsDisposed, Is.False, "h is still read by b");
        b.Backward();
        Assert.That(x.Grad!.ToArray(), Is.EqualTo(new[] { 2f / 3, 4f / 3, 2f }).Within(1e-6f));
        b.Dispose();
        Assert.That(h.Value.IsDisposed, Is.True, "freed with its last reader");
    }

    /// <summary>Bad input to the create-graph gradient: clear exceptions, no launch.</summary>
    [Test]
    public void CreateGraphGradient_RejectsBadInput()
    {
        using var x = new Var(Device.FromArray([1f, 2f], 1, 2), requiresGrad: true);
        using var other = new Var(Device.FromArray([1f, 2f], 1, 2), requiresGrad: true);
        using Var y = x.Square().Sum(), vector = x.Square();
        Assert.Throws<ArgumentException>(() => Tape.Grad(y, other, createGraph: true));
        Assert.Throws<InvalidOperationException>(() => Tape.Grad(vector, x, createGraph: true));
        Assert.Throws<ArgumentNullException>(() => Tape.Grad(y, null!, createGraph: true));
        using var model = new NeuralNetworkModel(new MLP(Device, 2, [4], 1, Activation.Tanh));
        using var wrongDim = new Var(Device.Zeros(2, 3), requiresGrad: true);
        Assert.Throws<ArgumentException>(() => model.Gradient(wrongDim, createGraph: true));
        var disposed = new Var(Device.Zeros(2, 2), requiresGrad: true);
        disposed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.Gradient(disposed, createGraph: true));
        using var inner = new NeuralNetworkModel(new MLP(Device, 2, [4], 1, Activation.Tanh));
        using var opaque = new OpaqueModel(inner);
        using var points = new Var(Device.Zeros(2, 2), requiresGrad: true);
        Assert.That(Assert.Throws<InvalidOperationException>(() => opaque.Gradient(points, createGraph: true))!.Message, Does.Contain("tape ops"));
    }

    /// <summary>Training with a DisposeScope per step, as the README does, then disposing the model frees every tensor.</summary>
    [Test]
    public void ScopePerStep_ThenDisposingTheModel_FreesTheParameters()
    {
        int before = Device.LiveTensors;
        var model = new NeuralNetworkModel(new MLP(Device, 2, [8], 1, Activation.Tanh, seed: 2));
        var adam = new TorchEbm.Optim.Adam(model.Parameters(), lr: 0.01f);
        using (Tensor points = Device.FromArray([0.5f, -1f, 1.5f, 0.25f], 2, 2))
            for (int step = 0; step < 3; step++)
                using (Device.NewScope())
                {
                    adam.ZeroGrad();
                    using var x = new Var(points.Clone(), requiresGrad: true); // a leaf owns its Grad: disposed by its holder
                    Var gradient = model.Gradient(x, createGraph: true);
                    Var loss = (gradient * gradient).Sum();
                    loss.Backward();
                    adam.Step();
                }
        adam.Dispose();
        model.Dispose();
        Assert.That(Device.LiveTensors, Is.EqualTo(before));
    }

    /// <summary>A scalar output of shape (1, 1) gives a create-graph gradient shaped like the input, as the kernel path does.</summary>
    [Test]
    public void RankTwoScalarOutput_GivesGradientsShapedLikeTheInput()
    {
        using var x = new Var(Device.FromArray([1f, 2f], 1, 2), requiresGrad: true);
        using var w = new Var(Device.FromArray([3f, 4f], 2, 1));
        using Var e = x.MatMul(w);
        using Var graph = Tape.Grad(e, x, createGraph: true);
        using Tensor kernel = Tape.Grad(e, x);
        Assert.That(graph.Shape, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(graph.Value.ToArray(), Is.EqualTo(kernel.ToArray()));
    }

    /// <summary>A Var disposed by its holder but still read by a live graph is usable by a create-graph pass over it.</summary>
    [Test]
    public void DisposedButReadVar_WorksInACreateGraphPass()
    {
        using var x = new Var(Device.FromArray([1f, 2f], 2), requiresGrad: true);
        Var b = x.Exp();
        using Var e = (x * b).Sum();
        b.Dispose(); // e still reads it
        using Var gradient = Tape.Grad(e, x, createGraph: true); // (1 + x) e^x
        float[] g = gradient.Value.ToArray();
        Assert.That(g[0], Is.EqualTo(2 * MathF.E).Within(1e-5f));
        Assert.That(g[1], Is.EqualTo(3 * MathF.Exp(2)).Within(1e-4f));
    }

    /// <summary>
    /// A pass that cannot run (a fourth derivative) fails before any launch: no leaf gradient is touched, and a failed
    /// create-graph pass leaves nothing behind.
    /// </summary>
    [Test]
    public void ImpossiblePass_FailsBeforeTouchingAnything()
    {
        using var x = new Var(Device.FromArray([0.3f, -0.7f], 2), requiresGrad: true);
        using var w = new Var(Device.FromArray([1f, 2f], 2), requiresGrad: true);
        using Var y = x.Tanh().Sum();
        using Var g1 = Tape.Grad(y, x, createGraph: true);
        using Var s1 = g1.Sum();
        using Var g2 = Tape.Grad(s1, x, createGraph: true);
        using Var s2 = g2.Sum();
        using Var g3 = Tape.Grad(s2, x, createGraph: true);
        using Var loss = (g3 * w).Sum();
        Assert.Throws<NotSupportedException>(() => loss.Backward());
        Assert.That(w.Grad, Is.Null, "nothing was accumulated before the refusal");
        int live = Device.LiveTensors;
        Assert.Throws<NotSupportedException>(() => Tape.Grad(loss, x, createGraph: true));
        Assert.That(Device.LiveTensors, Is.EqualTo(live), "the failed create-graph pass freed what it made");
    }

    /// <summary>The gradient of x by itself is held like any create-graph gradient: a result computed from it does not free it.</summary>
    [Test]
    public void GradientOfAnInputByItself_IsHeldByItsCaller()
    {
        using var x = new Var(Device.FromArray([1f], 1), requiresGrad: true);
        using Var ones = Tape.Grad(x, x, createGraph: true);
        using (Var doubled = ones * 2f) Assert.That(doubled.Value.ToArray(), Is.EqualTo(new[] { 2f }));
        Assert.That(ones.IsDisposed, Is.False);
        Assert.That(ones.Value.ToArray(), Is.EqualTo(new[] { 1f }));
    }
    public static IEnumerable<TestCaseData> ElementwiseFunctions()
    {
        TestCaseData Case(string name, Func<Var, Var> op, Func<double, double> host, double low = -1.5, double high = 1.5) =>
            new TestCaseData(op, host, low, high).SetName($"ThirdDerivative_MatchesFiniteDifferences({name})");
        yield return Case("square", x => x.Square(), x => x * x);
        yield return Case("exp", x => x.Exp(), Math.Exp);
        yield return Case("log", x => x.Log(), Math.Log, 0.5, 2);
        yield return Case("pow 3", x => x.Pow(3f), x => x * x * x);
        yield return Case("pow 2.5", x => x.Pow(2.5f), x => Math.Pow(x, 2.5), 0.5, 2);
        yield return Case("pow -1.5", x => x.Pow(-1.5f), x => Math.Pow(x, -1.5), 0.5, 2);
        yield return Case("sqrt", x => x.Sqrt(), Math.Sqrt, 0.5, 2);
        yield return Case("abs", x => x.Abs(), Math.Abs, 0.2, 1.5);
        yield return Case("sin", x => x.Sin(), Math.Sin);
        yield return Case("cos", x => x.Cos(), Math.Cos);
        foreach (Activation a in Enum.GetValues<Activation>())
            yield return Case(a.ToString(), x => x.Apply(a), z => OpGradientTests.HostActivation(a, z), 0.2, 1.5);
        foreach (Activation a in new[] { Activation.ELU, Activation.LeakyReLU, Activation.ReLU, Activation.SiLU, Activation.GELU, Activation.Softplus })
            yield return Case($"{a} below 0", x => x.Apply(a), z => OpGradientTests.HostActivation(a, z), -1.5, -0.2);
    }

    /// <summary>
    /// Three create-graph passes through an element-wise function give its third derivative, against the five-point
    /// central difference (f(x+2h) - 2f(x+h) + 2f(x-h) - f(x-2h)) / (2h^3) in float64 (truncation about h^2 f^(5) / 4,
    /// below 1e-4 relative here; round-off about 1e-16 / h^3 = 1e-9).
    /// </summary>
    [TestCaseSource(nameof(ElementwiseFunctions))]
    public void ThirdDerivatives(Func<Var, Var> op, Func<double, double> host, double low, double high)
    {
        const double h = 5e-3;
        double[] points = [.. Enumerable.Range(0, 6).Select(i => (double)(float)(low + (high - low) * (i + 0.5) / 6))];
        double[] expected = [.. points.Select(x => (host(x + 2 * h) - 2 * host(x + h) + 2 * host(x - h) - host(x - 2 * h)) / (2 * h * h * h))];
        using var x = new Var(Device.FromArray(points.Select(p => (float)p).ToArray(), points.Length), requiresGrad: true);
        using Var y = op(x).Sum();
        using Var g1 = Tape.Grad(y, x, createGraph: true);
        using Var s1 = g1.Sum();
        if (!s1.RequiresGrad)
        {
            Assert.That(Math.Sqrt(expected.Sum(e => e * e)), Is.LessThan(1e-6), "the engine finds the first derivative constant");
            return;
        }
        using Var g2 = Tape.Grad(s1, x, createGraph: true);
        using Var s2 = g2.Sum();
        using Tensor third = Tape.Grad(s2, x);
        Assert.That(FiniteDifferences.RelativeError(third.ToArray(), expected, floor: 1e-3), Is.LessThan(1e-3));
    }
}

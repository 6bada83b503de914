using TorchEbm.Autodiff;
using TorchEbm.Diagnostics;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Autodiff;

/// <summary>
/// The batched Cholesky factor, lower triangular solve and diagonal against float64 host code written from their
/// definitions: values, gradients against central differences (the factor's reverse sweep is Murray 2016's), a
/// Gaussian process's log likelihood and its gradient in the hyperparameters end to end, and matrices that are not
/// positive definite giving NaN rows, never a crash.
/// </summary>
public sealed class CholeskyTests(DeviceKind kind) : DeviceTest(kind)
{
    /// <summary>Cholesky in float64 reading only the lower triangle of each row-major n x n matrix (NaN if not positive definite).</summary>
    internal static double[] HostCholesky(double[] a, int n)
    {
        var l = new double[n * n];
        for (int j = 0; j < n; j++)
        {
            double pivot = a[j * n + j];
            for (int k = 0; k < j; k++) pivot -= l[j * n + k] * l[j * n + k];
            if (!(pivot > 0)) return Enumerable.Repeat(double.NaN, n * n).ToArray();
            l[j * n + j] = Math.Sqrt(pivot);
            for (int i = j + 1; i < n; i++)
            {
                double t = a[i * n + j];
                for (int k = 0; k < j; k++) t -= l[i * n + k] * l[j * n + k];
                l[i * n + j] = t / l[j * n + j];
            }
        }
        return l;
    }

    /// <summary>z = L^-1 b by forward substitution over L's lower triangle, in float64.</summary>
    internal static double[] HostSolve(double[] l, double[] b, int n)
    {
        var z = new double[n];
        for (int i = 0; i < n; i++)
        {
            double t = b[i];
            for (int k = 0; k < i; k++) t -= l[i * n + k] * z[k];
            z[i] = t / l[i * n + i];
        }
        return z;
    }

    /// <summary>
    /// <paramref name="batch"/> symmetric positive definite n x n matrices, row-major, rounded to float32: B B^T / n + I
    /// with B standard normal, so their condition numbers stay small.
    /// </summary>
    private static double[] SpdMatrices(int batch, int n, int seed)
    {
        var random = new System.Random(seed);
        var a = new double[batch * n * n];
        for (int m = 0; m < batch; m++)
        {
            double[] b = Enumerable.Range(0, n * n).Select(_ => Normal(random)).ToArray();
            for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double s = i == j ? 1 : 0;
                for (int k = 0; k < n; k++) s += b[i * n + k] * b[j * n + k] / n;
                a[m * n * n + i * n + j] = (float)s;
            }
        }
        return a;
    }

    private static double Normal(System.Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static double[] Weights(int count, int seed)
    {
        var random = new System.Random(seed);
        return Enumerable.Range(0, count).Select(_ => 2 * random.NextDouble() - 1).ToArray();
    }

    private Var Leaf(double[] values, int[] shape, bool requiresGrad = true) =>
        new(Device.FromArray(values.Select(v => (float)v).ToArray(), shape), requiresGrad);

    /// <summary>Row m of a (batch, width) array.</summary>
    private static double[] Row(double[] x, int m, int width) => x[(m * width)..((m + 1) * width)];

    private static readonly int[] Orders = [1, 2, 5, 12];

    [TestCaseSource(nameof(Orders))]
    public void Cholesky_MatchesTheHostFactor_AndReproducesTheMatrix(int n)
    {
        const int batch = 3;
        double[] a = SpdMatrices(batch, n, seed: n);
        using Var input = Leaf(a, [batch, n * n], requiresGrad: false);
        using Var l = input.Cholesky();
        float[] actual = l.Value.ToArray();
        double[] expected = Enumerable.Range(0, batch).SelectMany(m => HostCholesky(Row(a, m, n * n), n)).ToArray();
        Assert.That(FiniteDifferences.RelativeError(actual, expected), Is.LessThan(1e-5), "L");
        for (int m = 0; m < batch; m++)
        for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
        {
            double product = 0;
            for (int k = 0; k < n; k++) product += actual[m * n * n + i * n + k] * (double)actual[m * n * n + j * n + k];
            Assert.That(product, Is.EqualTo(a[m * n * n + i * n + j]).Within(1e-5 * n), $"(L L^T)[{m}][{i}, {j}]");
            if (j > i) Assert.That(actual[m * n * n + i * n + j], Is.EqualTo(0f), $"upper L[{m}][{i}, {j}]");
        }
    }

    /// <summary>d/dA of sum(chol(A) * R) against central differences of the host factor (upper triangle: 0, it is not read).</summary>
    [TestCaseSource(nameof(Orders))]
    public void CholeskyBackward_MatchesFiniteDifferences(int n)
    {
        const int batch = 2;
        double[] a = SpdMatrices(batch, n, seed: 10 + n), r = Weights(batch * n * n, seed: 20 + n);
        double Scalar(double[] x) => Enumerable.Range(0, batch)
            .Sum(m => HostCholesky(Row(x, m, n * n), n).Select((v, i) => v * r[m * n * n + i]).Sum());
        double[] expected = FiniteDifferences.Gradient(Scalar, (double[])a.Clone());

        using Var input = Leaf(a, [batch, n * n]);
        using Var weights = Leaf(r, [batch, n * n], requiresGrad: false);
        using Var scalar = (input.Cholesky() * weights).Sum();
        scalar.Backward();
        Assert.That(FiniteDifferences.RelativeError(input.Grad!.ToArray(), expected), Is.LessThan(1e-3));
    }

    [TestCase(1, false)]
    [TestCase(5, false)]
    [TestCase(12, false)]
    [TestCase(5, true)]
    public void SolveLowerTriangular_ValueAndGradients_MatchTheHost(int n, bool sharedRightHandSide)
    {
        const int batch = 3;
        double[] l = Enumerable.Range(0, batch).SelectMany(m => HostCholesky(Row(SpdMatrices(batch, n, 30 + n), m, n * n), n))
            .Select(v => (double)(float)v).ToArray();
        int bLength = sharedRightHandSide ? n : batch * n;
        double[] b = Weights(bLength, seed: 40 + n).Select(v => (double)(float)(3 * v)).ToArray(), r = Weights(batch * n, seed: 50 + n);
        double[] HostSolveAll(double[] ls, double[] bs) => Enumerable.Range(0, batch)
            .SelectMany(m => HostSolve(Row(ls, m, n * n), sharedRightHandSide ? bs : Row(bs, m, n), n)).ToArray();
        double Scalar(double[] ls, double[] bs) => HostSolveAll(ls, bs).Select((v, i) => v * r[i]).Sum();

        using Var lower = Leaf(l, [batch, n * n]);
        using Var rhs = Leaf(b, sharedRightHandSide ? [n] : [batch, n]);
        using Var weights = Leaf(r, [batch, n], requiresGrad: false);
        Var z = lower.SolveLowerTriangular(rhs);
        Assert.That(FiniteDifferences.RelativeError(z.Value.ToArray(), HostSolveAll(l, b)), Is.LessThan(1e-5), "z");
        using Var scalar = (z * weights).Sum();
        scalar.Backward();
        double[] expectedL = FiniteDifferences.Gradient(x => Scalar(x, b), (double[])l.Clone());
        double[] expectedB = FiniteDifferences.Gradient(x => Scalar(l, x), (double[])b.Clone());
        Assert.That(FiniteDifferences.RelativeError(lower.Grad!.ToArray(), expectedL), Is.LessThan(1e-3), "dL");
        Assert.That(FiniteDifferences.RelativeError(rhs.Grad!.ToArray(), expectedB), Is.LessThan(1e-3), "db");
    }

    [Test]
    public void Diagonal_ValueAndGradient_AndItsCreateGraphGradient()
    {
        const int batch = 2, n = 3;
        double[] x = Weights(batch * n * n, seed: 60), r = Weights(batch * n, seed: 61);
        using Var input = Leaf(x, [batch, n * n]);
        using Var weights = Leaf(r, [batch, n], requiresGrad: false);
        Var diagonal = input.Diagonal();
        double[] expected = Enumerable.Range(0, batch * n).Select(e => x[e / n * n * n + e % n * (n + 1)]).ToArray();
        Assert.That(FiniteDifferences.RelativeError(diagonal.Value.ToArray(), expected), Is.LessThan(1e-7), "value");
        using Var scalar = (diagonal.Square() * weights).Sum();
        using Var graphGradient = Tape.Grad(scalar, input, createGraph: true);
        scalar.Backward();
        // d/dx of sum_i r_i x_ii^2 is 2 r_i x_ii on the diagonal, 0 elsewhere: by the kernel and by the Var-op backward.
        double[] gradient = new double[batch * n * n];
        for (int e = 0; e < batch * n; e++) gradient[e / n * n * n + e % n * (n + 1)] = 2 * r[e] * x[e / n * n * n + e % n * (n + 1)];
        Assert.That(FiniteDifferences.RelativeError(input.Grad!.ToArray(), gradient), Is.LessThan(1e-6), "kernel backward");
        Assert.That(FiniteDifferences.RelativeError(graphGradient.Value.ToArray(), gradient), Is.LessThan(1e-6), "create-graph backward");
    }

    /// <summary>
    /// A Gaussian process's log marginal likelihood per chain, K_ij = alpha^2 exp(-(t_i - t_j)^2 / (2 rho^2)) + sigma^2
    /// delta_ij with (ln alpha, ln rho, ln sigma) per row, written in ops through Cholesky, solve and diagonal:
    /// -0.5 y^T K^-1 y - sum ln diag L, its value against the host's and its gradient in the three log
    /// hyperparameters against central differences.
    /// </summary>
    [Test]
    public void GaussianProcessLogLikelihood_AndItsGradient_MatchTheHost()
    {
        const int chains = 4, n = 10;
        double[] t = Enumerable.Range(0, n).Select(i => (double)(float)(i * 0.7 - 3)).ToArray();
        double[] y = t.Select(s => (double)(float)(Math.Sin(s) + 0.1 * Math.Cos(5 * s))).ToArray();
        double[] theta = [0.1, 0.3, -1.0, -0.2, 0.0, -1.5, 0.5, 0.8, -0.7, 0.0, -0.3, -2.0];
        double HostLogLikelihood(double[] p, int m)
        {
            double alpha2 = Math.Exp(2 * p[3 * m]), rho2 = Math.Exp(2 * p[3 * m + 1]), sigma2 = Math.Exp(2 * p[3 * m + 2]);
            var k = new double[n * n];
            for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                k[i * n + j] = alpha2 * Math.Exp(-(t[i] - t[j]) * (t[i] - t[j]) / (2 * rho2)) + (i == j ? sigma2 : 0);
            double[] l = HostCholesky(k, n), z = HostSolve(l, y, n);
            return -0.5 * z.Sum(v => v * v) - Enumerable.Range(0, n).Sum(i => Math.Log(l[i * n + i]));
        }

        float[] squaredDistances = new float[n * n], identity = new float[n * n];
        for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
        {
            squaredDistances[i * n + j] = (float)((t[i] - t[j]) * (t[i] - t[j]));
            identity[i * n + j] = i == j ? 1f : 0f;
        }
        using Tensor d2 = Device.FromArray(squaredDistances, 1, n * n), eye = Device.FromArray(identity, 1, n * n);
        using Tensor data = Device.FromArray(y.Select(v => (float)v).ToArray(), n);
        using Var p = Leaf(theta, [chains, 3]);
        Var alpha2 = (2f * p.Columns(0, 1)).Exp(), inverseRho2 = (-2f * p.Columns(1, 1)).Exp(), sigma2 = (2f * p.Columns(2, 1)).Exp();
        Var k = alpha2 * (Var.Constant(d2) * (-0.5f * inverseRho2)).Exp() + sigma2 * Var.Constant(eye);
        Var l = k.Cholesky();
        Var z = l.SolveLowerTriangular(Var.Constant(data));
        using Var logLikelihood = -0.5f * z.Square().Sum(1) - l.Diagonal().Log().Sum(1);
        float[] value = logLikelihood.Value.ToArray();
        for (int m = 0; m < chains; m++)
            Assert.That(value[m], Is.EqualTo(HostLogLikelihood(theta, m)).Within(1e-4 * Math.Max(1, Math.Abs(value[m]))), $"chain {m}");
        using Tensor gradient = Tape.Grad(logLikelihood.Sum(), p);
        double[] expected = FiniteDifferences.Gradient(x => Enumerable.Range(0, chains).Sum(m => HostLogLikelihood(x, m)), (double[])theta.Clone());
        Assert.That(FiniteDifferences.RelativeError(gradient.ToArray(), expected), Is.LessThan(1e-3), "gradient");
    }

    /// <summary>A matrix that is not positive definite (or holds NaN) makes its own row NaN, value and gradient; other rows are untouched.</summary>
    [Test]
    public void NotPositiveDefinite_GivesANaNRow_AndLeavesTheOthers()
    {
        const int n = 3;
        double[] good = SpdMatrices(1, n, seed: 70);
        double[] indefinite = [1, 2, 0, 2, 1, 0, 0, 0, 1];
        double[] withNaN = (double[])good.Clone();
        withNaN[4] = double.NaN;
        using Var input = Leaf([.. good, .. indefinite, .. withNaN], [3, n * n]);
        Var l = input.Cholesky();
        using Var logDeterminant = 2f * l.Diagonal().Log().Sum(1);
        float[] value = logDeterminant.Value.ToArray();
        double expected = 2 * Enumerable.Range(0, n).Sum(i => Math.Log(HostCholesky(good, n)[i * n + i]));
        Assert.That(value[0], Is.EqualTo(expected).Within(1e-5));
        Assert.That(float.IsNaN(value[1]) && float.IsNaN(value[2]), "rows 1 and 2 are NaN");
        using Tensor gradient = Tape.Grad(logDeterminant.Sum(), input);
        float[] g = gradient.ToArray();
        Assert.That(g[..(n * n)].All(float.IsFinite), "row 0's gradient is finite");
        Assert.That(g[(n * n)..].Where((_, i) => i % (n * n) / n >= i % n).All(float.IsNaN), "rows 1 and 2's gradients (lower triangle) are NaN");
    }

    /// <summary>
    /// HMC on a correlation x whose matrix [[1, x], [x, 1]] stops being positive definite at |x| &gt;= 1: the data
    /// y = (1, 0.5) ~ N(0, K(x)) with a flat prior, E = y^T K^-1 y / 2 + ln det L, through Cholesky and solve. Proposals
    /// beyond +-1 get NaN energies and are rejected (no chain leaves (-1, 1), nothing throws), and the posterior mean
    /// matches quadrature of exp(-E) within 5 Monte Carlo standard errors.
    /// </summary>
    [Test]
    public void Hmc_RejectsMatricesThatAreNotPositiveDefinite_AndMatchesQuadrature()
    {
        using Tensor data = Device.FromArray([1f, 0.5f], 2);
        using BaseModel model = BaseModel.FromEnergy(Device, 1, x =>
        {
            Var one = Var.Intermediate(x.Device.Full(1f, x.Shape[0], 1));
            Var l = Var.Concat([one, x, x, one]).Cholesky();
            Var z = l.SolveLowerTriangular(Var.Constant(data));
            return 0.5f * z.Square().Sum(1) + l.Diagonal().Log().Sum(1);
        });
        const int chains = 64, draws = 250;
        using Tensor start = Device.Zeros(chains, 1);
        var hmc = new HamiltonianMonteCarlo(model, stepSize: 0.3f, nLeapfrogSteps: 4, seed: 90);
        using ChainResult result = hmc.SampleChain(dim: 1, nSteps: draws, nSamples: chains, new SampleOptions
        {
            InitialSamples = start, WarmupSteps = 200, StepSizeAdaptation = StepSizeAdaptation.PerChain, ReturnTrajectory = true,
        });
        float[] x = result.Trajectory!.ToArray();
        Assert.That(x.All(v => v > -1f && v < 1f), "every draw inside (-1, 1)");

        // Quadrature: density (1 - x^2)^(-1/2) exp(-(1 - x + 0.25) / (2 (1 - x^2))) on a fine midpoint grid.
        double weight = 0, first = 0, second = 0;
        const int cells = 200_000;
        for (int i = 0; i < cells; i++)
        {
            double u = -1 + (i + 0.5) * 2.0 / cells, density = Math.Exp(-(1.25 - u) / (2 * (1 - u * u))) / Math.Sqrt(1 - u * u);
            weight += density;
            first += u * density;
            second += u * u * density;
        }
        double mean = first / weight, sd = Math.Sqrt(second / weight - mean * mean);
        var trajectory = new double[draws, chains, 1];
        for (int t = 0; t < draws; t++)
        for (int c = 0; c < chains; c++) trajectory[t, c, 0] = x[t * chains + c];
        double ess = ChainStatistics.EffectiveSampleSize(trajectory)[0], sampleMean = x.Average(v => (double)v);
        TestContext.Out.WriteLine($"mean {sampleMean:F4} (quadrature {mean:F4}, sd {sd:F4}), ESS {ess:F0}, acceptance {result.Info!.MeanAcceptance:F3}");
        Assert.That(Math.Abs(sampleMean - mean), Is.LessThan(5 * sd / Math.Sqrt(ess)));
    }

    [Test]
    public void Shapes_ThatAreNotMatrices_AreRefusedBeforeAnyLaunch()
    {
        using var notSquare = new Var(Device.Zeros(2, 5));
        using var vector = new Var(Device.Zeros(9));
        using var l = new Var(Device.Zeros(2, 9));
        using var wrongRows = new Var(Device.Zeros(3, 3));
        using var wrongLength = new Var(Device.Zeros(4));
        Assert.That(Assert.Throws<ArgumentException>(() => notSquare.Cholesky())!.Message, Does.Contain("(2, 5)"));
        Assert.Throws<ArgumentException>(() => vector.Cholesky());
        Assert.Throws<ArgumentException>(() => notSquare.Diagonal());
        Assert.That(Assert.Throws<ArgumentException>(() => l.SolveLowerTriangular(wrongRows))!.ParamName, Is.EqualTo("b"));
        Assert.That(Assert.Throws<ArgumentException>(() => l.SolveLowerTriangular(wrongLength))!.ParamName, Is.EqualTo("b"));
    }

    [Test]
    public void CreateGraphThroughCholesky_IsRefused()
    {
        using Var input = Leaf(SpdMatrices(1, 2, seed: 80), [1, 4]);
        using Var total = input.Cholesky().Sum();
        Assert.Throws<NotSupportedException>(() => Tape.Grad(total, input, createGraph: true).Dispose());
        using Tensor once = Tape.Grad(total, input); // the first derivative still works
        Assert.That(once.ToArray().All(float.IsFinite));
    }
}

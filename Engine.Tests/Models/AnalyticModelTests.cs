using MathNet.Numerics.LinearAlgebra;
using TorchEbm.Models;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Models;

/// <summary>
/// Every analytic model's Forward equals its formula in float64 (relative error &lt; 1e-5, floor 1), and its
/// Gradient equals central finite differences of that formula (norm-wise relative error &lt; 1e-3, floor 1),
/// at random points and the origin, in dims 1, 2, 5 and 64.
/// </summary>
public sealed class AnalyticModelTests(DeviceKind kind) : DeviceTest(kind)
{
    private const int RandomPoints = 16;

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (int d in new[] { 1, 2, 5, 64 })
        {
            yield return Case("DoubleWell", d);
            yield return Case("Harmonic", d);
            yield return Case("Rastrigin", d);
            yield return Case("Ackley", d);
            yield return Case("Gaussian", d);
            if (d >= 2) yield return Case("Rosenbrock", d);
            yield return Case("Composite", d);
        }
        static TestCaseData Case(string name, int d) => new TestCaseData(name, d).SetArgDisplayNames(name, $"d={d}");
    }

    [TestCaseSource(nameof(Cases))]
    public void ForwardAndGradient_MatchFloat64Formula(string name, int d)
    {
        (BaseModel model, Func<double[], double> reference) = Create(name, d);
        using (model)
        {
            float[] points = Points(d, seed: d * 31 + name.Length);
            int n = points.Length / d;
            using Tensor x = Device.FromArray(points, n, d);
            using Tensor energies = model.Forward(x);
            using Tensor gradients = model.Gradient(x);
            float[] e = energies.ToArray(), g = gradients.ToArray();
            Assert.That(energies.Shape, Is.EqualTo(new[] { n }));
            Assert.That(gradients.Shape, Is.EqualTo(new[] { n, d }));

            for (int r = 0; r < n; r++)
            {
                double[] row = points.Skip(r * d).Take(d).Select(v => (double)v).ToArray();
                double expected = reference(row);
                Assert.That(Math.Abs(e[r] - expected) / Math.Max(1, Math.Abs(expected)), Is.LessThan(1e-5),
                    $"{name} energy at row {r}: {e[r]} vs {expected}");

                double[] fd = HostEnergies.FiniteDifferenceGradient(reference, row);
                double error = Norm(fd.Select((v, i) => g[r * d + i] - v)), size = Norm(fd);
                Assert.That(error / Math.Max(1, size), Is.LessThan(1e-3), $"{name} gradient at row {r}");
            }
        }
    }

    [Test]
    public void Score_IsMinusGradient()
    {
        using var model = new DoubleWellModel(Device);
        using Tensor x = Device.Randn(7, 3, seed: 5);
        using Tensor g = model.Gradient(x);
        using Tensor s = model.Score(x);
        Assert.That(s.ToArray(), Is.EqualTo(g.ToArray().Select(v => -v).ToArray()));
    }

    [Test]
    public void Ackley_GradientAtOrigin_IsZero()
    {
        using var model = new AckleyModel(Device);
        using Tensor origin = Device.Zeros(1, 4);
        using Tensor g = model.Gradient(origin);
        using Tensor e = model.Forward(origin);
        Assert.That(g.ToArray(), Is.All.EqualTo(0f));
        Assert.That(e.ToArray()[0], Is.EqualTo(0f).Within(1e-6f));
    }

    /// <summary>Random points (row-major) with coordinates ~ 1.2 N(0, 1), plus the origin as the last row.</summary>
    private static float[] Points(int d, int seed)
    {
        var random = new System.Random(seed);
        var points = new float[(RandomPoints + 1) * d];
        for (int i = 0; i < RandomPoints * d; i++)
            points[i] = (float)(1.2 * MathNet.Numerics.Distributions.Normal.Sample(random, 0, 1));
        return points;
    }

    private (BaseModel, Func<double[], double>) Create(string name, int d)
    {
        switch (name)
        {
            case "DoubleWell": return (new DoubleWellModel(Device, 1f, 2f), x => HostEnergies.DoubleWell(x, 1, 2));
            case "Harmonic": return (new HarmonicModel(Device, 1.5f), x => HostEnergies.Harmonic(x, 1.5));
            case "Rosenbrock": return (new RosenbrockModel(Device, 1f, 100f), x => HostEnergies.Rosenbrock(x, 1, 100));
            case "Rastrigin": return (new RastriginModel(Device, 10f), x => HostEnergies.Rastrigin(x, 10));
            case "Ackley":
                float c = 2f * MathF.PI;
                return (new AckleyModel(Device), x => HostEnergies.Ackley(x, 20, 0.2, c));
            case "Gaussian":
                (float[] mean, float[,] cov) = RandomGaussian(d, seed: d);
                var model = new GaussianModel(Device, mean, cov);
                // The reference inverts the float covariance in float64 independently of the model.
                var covariance = Matrix<double>.Build.Dense(d, d, (i, j) => cov[i, j]);
                double[,] precision = covariance.Inverse().ToArray();
                double[] m = mean.Select(v => (double)v).ToArray();
                return (model, x => HostEnergies.Gaussian(x, m, precision));
            case "Composite":
                // Gaussian + 2 DoubleWell - 0.25 Rastrigin (+ 0.01 Rosenbrock from d = 2): one fused Sum struct.
                var (gaussian, gaussianEnergy) = Create("Gaussian", d);
                var parts = new List<BaseModel> { gaussian, new DoubleWellModel(Device), new RastriginModel(Device, 10f) };
                var weights = new List<float> { 1f, 2f, -0.25f };
                if (d >= 2) { parts.Add(new RosenbrockModel(Device, 1f, 100f)); weights.Add(0.01f); }
                return (new CompositeModel(parts, weights), x => gaussianEnergy(x) + 2 * HostEnergies.DoubleWell(x, 1, 2)
                    - 0.25 * HostEnergies.Rastrigin(x, 10) + (d >= 2 ? 0.01 * HostEnergies.Rosenbrock(x, 1, 100) : 0));
            default: throw new ArgumentOutOfRangeException(nameof(name), name, null);
        }
    }

    /// <summary>A well-conditioned SPD covariance A A^T / d + 0.5 I and a random mean.</summary>
    internal static (float[] Mean, float[,] Cov) RandomGaussian(int d, int seed)
    {
        var random = new System.Random(seed);
        var a = Matrix<double>.Build.Dense(d, d, (_, _) => random.NextDouble() - 0.5);
        Matrix<double> cov = a * a.Transpose() / d + 0.5 * Matrix<double>.Build.DenseIdentity(d);
        var mean = Enumerable.Range(0, d).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var covFloat = new float[d, d];
        for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            covFloat[i, j] = (float)cov[Math.Min(i, j), Math.Max(i, j)];
        return (mean, covFloat);
    }

    private static double Norm(IEnumerable<double> v) => Math.Sqrt(v.Sum(x => x * x));
}

using MathNet.Numerics.LinearAlgebra;
using TorchEbm.Kernels.Random;
using TorchEbm.Kernels.Samplers;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>
/// One MALA step and one HMC transition recomputed on the host in float64 from the same Philox numbers; the
/// step-by-step path (opaque models) equal to the fused one; divergences counted and never propagated.
/// </summary>
public sealed class MetropolisReferenceTests(DeviceKind kind) : DeviceTest(kind)
{
    private const int Chains = 16, Dim = 3;
    private const long Seed = 5;
    private static readonly double[] Mean = [0.5, -1, 0];
    private static readonly double[,] Cov = { { 2, 1, 0 }, { 1, 2, 0.5 }, { 0, 0.5, 1 } };
    private static readonly Matrix<double> Precision = Matrix<double>.Build.DenseOfArray(Cov).Inverse();

    private GaussianModel CreateModel() => new(Device, Mean.Select(v => (float)v).ToArray(), ToFloat(Cov));

    private static float[,] ToFloat(double[,] a)
    {
        var f = new float[a.GetLength(0), a.GetLength(1)];
        for (int i = 0; i < a.GetLength(0); i++)
        for (int j = 0; j < a.GetLength(1); j++) f[i, j] = (float)a[i, j];
        return f;
    }

    private static double Energy(double[] x)
    {
        double sum = 0;
        for (int i = 0; i < Dim; i++)
        for (int j = 0; j < Dim; j++) sum += (x[i] - Mean[i]) * Precision[i, j] * (x[j] - Mean[j]);
        return 0.5 * sum;
    }

    private static double[] Gradient(double[] x) =>
        Enumerable.Range(0, Dim).Select(i => Enumerable.Range(0, Dim).Sum(j => Precision[i, j] * (x[j] - Mean[j]))).ToArray();

    /// <summary>Chain c's normals, decision uniform and jitter uniform at step 0 (call 0: an explicit seed starts there).</summary>
    private static (double[] Z, double U, double Jitter) Noise(int chain)
    {
        var rng = Philox4x32.FromSeed(Seed);
        Float4 z = rng.Normal4((uint)chain, 0, 0, 0);
        Float4 u = rng.Uniform4((uint)chain, 0, ChainState.AcceptWord, 0);
        return ([z.X, z.Y, z.Z], u.X, u.Y);
    }

    private float[,] Start()
    {
        using Tensor x = Device.Randn(Chains, Dim, seed: 3);
        return x.ToArray2D();
    }

    [Test]
    public void MalaStep_MatchesFloat64HostReference()
    {
        const double h = 0.6; // large enough that some chains reject
        using var model = CreateModel();
        float[,] x0 = Start();
        using Tensor initial = Device.FromArray(x0);
        using ChainResult result = new MetropolisAdjustedLangevin(model, (float)h, seed: 99)
            .SampleChain(Dim, 1, Chains, new SampleOptions { InitialSamples = initial, Seed = Seed });
        float[,] device = result.Samples.ToArray2D();
        float[] accepted = result.Info!.AcceptanceRate.ToArray();

        int accepts = 0, rejects = 0;
        for (int c = 0; c < Chains; c++)
        {
            double[] x = Row(x0, c), g = Gradient(x);
            (double[] z, double u, _) = Noise(c);
            double[] y = Enumerable.Range(0, Dim).Select(i => x[i] - h * g[i] + Math.Sqrt(2 * h) * z[i]).ToArray();
            double[] gy = Gradient(y);
            double forward = Enumerable.Range(0, Dim).Sum(i => Math.Pow(y[i] - x[i] + h * g[i], 2));
            double backward = Enumerable.Range(0, Dim).Sum(i => Math.Pow(x[i] - y[i] + h * gy[i], 2));
            double alpha = Math.Min(1, Math.Exp(Energy(x) - Energy(y) - (backward - forward) / (4 * h)));
            CheckDecision(c, u, alpha, y, x, device, accepted, ref accepts, ref rejects);
        }
        Assert.That(accepts, Is.GreaterThan(0), "some chain accepts");
        Assert.That(rejects, Is.GreaterThan(0), "some chain rejects");
    }

    [TestCase(0f)]
    [TestCase(0.2f)]
    public void HmcTransition_MatchesFloat64HostReference(float jitter)
    {
        const double step = 0.5;
        const int leapfrog = 3;
        float[] mass = [1f, 2f, 0.5f];
        using var model = CreateModel();
        float[,] x0 = Start();
        using Tensor initial = Device.FromArray(x0);
        using ChainResult result = new HamiltonianMonteCarlo(model, (float)step, leapfrog, mass, seed: 99, stepSizeJitter: jitter)
            .SampleChain(Dim, 1, Chains, new SampleOptions { InitialSamples = initial, Seed = Seed });
        float[,] device = result.Samples.ToArray2D();
        float[] accepted = result.Info!.AcceptanceRate.ToArray();

        int accepts = 0, rejects = 0;
        for (int c = 0; c < Chains; c++)
        {
            double[] x = Row(x0, c), q = (double[])x.Clone();
            (double[] z, double u, double v) = Noise(c);
            double eps = step * (1 + jitter * (2 * v - 1));
            double[] p = Enumerable.Range(0, Dim).Select(i => z[i] * Math.Sqrt(mass[i])).ToArray();
            double Kinetic() => 0.5 * Enumerable.Range(0, Dim).Sum(i => p[i] * p[i] / mass[i]);
            double h0 = Energy(x) + Kinetic();
            double[] g = Gradient(q);
            for (int l = 0; l < leapfrog; l++)
            {
                for (int i = 0; i < Dim; i++) p[i] -= 0.5 * eps * g[i];
                for (int i = 0; i < Dim; i++) q[i] += eps * p[i] / mass[i];
                g = Gradient(q);
                for (int i = 0; i < Dim; i++) p[i] -= 0.5 * eps * g[i];
            }
            double alpha = Math.Min(1, Math.Exp(h0 - Energy(q) - Kinetic()));
            CheckDecision(c, u, alpha, q, x, device, accepted, ref accepts, ref rejects);
        }
        Assert.That(accepts, Is.GreaterThan(0), "some chain accepts");
        Assert.That(rejects, Is.GreaterThan(0), "some chain rejects");
    }

    /// <summary>The device chain moved to the proposal exactly when u &lt; alpha (skipping decisions within float noise of the boundary).</summary>
    private static void CheckDecision(int c, double u, double alpha, double[] proposal, double[] start, float[,] device,
        float[] accepted, ref int accepts, ref int rejects)
    {
        if (Math.Abs(u - alpha) < 1e-4) return;
        bool accept = u < alpha;
        double[] expected = accept ? proposal : start;
        for (int i = 0; i < Dim; i++)
            Assert.That(device[c, i], Is.EqualTo(expected[i]).Within(1e-4 * Math.Max(1, Math.Abs(expected[i]))), $"chain {c}, coordinate {i}, accept {accept}");
        Assert.That(accepted[c], Is.EqualTo(accept ? 1f : 0f), $"chain {c}'s acceptance");
        if (accept) accepts++;
        else rejects++;
    }

    private static double[] Row(float[,] x, int c) => Enumerable.Range(0, Dim).Select(i => (double)x[c, i]).ToArray();

    private static IEnumerable<TestCaseData> MetropolisSamplers()
    {
        yield return new TestCaseData((Func<BaseModel, Sampler>)(m => new MetropolisAdjustedLangevin(m, 0.3f, seed: 4))).SetArgDisplayNames("MALA");
        yield return new TestCaseData((Func<BaseModel, Sampler>)(m => new HamiltonianMonteCarlo(m, 0.3f, 4, new[] { 1f, 2f, 0.5f }, seed: 4, stepSizeJitter: 0.2f))).SetArgDisplayNames("HMC");
    }

    /// <summary>An opaque model runs the same transition launch by launch around its own Forward/Gradient: same chains.</summary>
    [TestCaseSource(nameof(MetropolisSamplers))]
    public void StepByStepPath_EqualsFusedPath(Func<BaseModel, Sampler> create)
    {
        using var model = CreateModel();
        using var opaque = new OpaqueModel(CreateModel());
        model.Source.HostSimd = false; // the fused kernel against its own launches; CpuChainsTests check the host twin against it
        var options = new SampleOptions { ReturnTrajectory = true, Thin = 2, WarmupSteps = 30 };
        using ChainResult fused = create(model).SampleChain(Dim, 12, Chains, options);
        using ChainResult stepped = create(opaque).SampleChain(Dim, 12, Chains, options);
        float tolerance = Device.Kind == DeviceKind.Cpu ? 0f : 1e-5f; // the GPU compiler may contract differently
        Assert.That(stepped.Trajectory!.ToArray(), Is.EqualTo(fused.Trajectory!.ToArray()).Within(tolerance));
        Assert.That(stepped.Info!.AcceptanceRate.ToArray(), Is.EqualTo(fused.Info!.AcceptanceRate.ToArray()));
        Assert.That(stepped.Info.StepSizes.ToArray(), Is.EqualTo(fused.Info.StepSizes.ToArray()).Within(tolerance));
    }

    /// <summary>Rosenbrock at a huge step: divergences are counted, rejected, and every returned state stays finite.</summary>
    [TestCaseSource(nameof(DivergingSamplers))]
    public void Rosenbrock_AtHugeStep_CountsDivergences_AndStaysFinite(Func<BaseModel, Sampler> create)
    {
        using var model = new RosenbrockModel(Device);
        using ChainResult result = create(model).SampleChain(2, 50, 64, new SampleOptions { ReturnTrajectory = true });
        Assert.That(result.Info!.Divergences, Is.GreaterThan(0));
        Assert.That(result.Info.Divergences, Is.LessThanOrEqualTo(64 * 50));
        Assert.That(result.NonFiniteChains, Is.Zero);
        Assert.That(result.Trajectory!.ToArray().All(float.IsFinite), "no divergent state is ever kept");
    }

    private static IEnumerable<TestCaseData> DivergingSamplers()
    {
        yield return new TestCaseData((Func<BaseModel, Sampler>)(m => new MetropolisAdjustedLangevin(m, 1f, seed: 8))).SetArgDisplayNames("MALA h=1");
        yield return new TestCaseData((Func<BaseModel, Sampler>)(m => new HamiltonianMonteCarlo(m, 0.5f, 10, seed: 8))).SetArgDisplayNames("HMC eps=0.5");
    }

    private static IEnumerable<TestCaseData> FusedModels()
    {
        yield return new TestCaseData((Func<Device, BaseModel>)(d => new DoubleWellModel(d))).SetArgDisplayNames("double well");
        yield return new TestCaseData((Func<Device, BaseModel>)(d => new GaussianModel(d, [0f, 0f, 0f], new float[,] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } }))).SetArgDisplayNames("Gaussian");
        yield return new TestCaseData((Func<Device, BaseModel>)(d => new NeuralNetworkModel(new TorchEbm.Autodiff.MLP(d, 3, [8, 8], 1, TorchEbm.Autodiff.Activation.SiLU, seed: 1)))).SetArgDisplayNames("MLP");
    }

    /// <summary>
    /// For analytic models and plain MLPs the steps of a MALA or HMC run are one launch: the launches of a 200-step
    /// run equal those of a 1-step run. (On the CPU an MLP runs step by step around its batched host twin by default;
    /// its kernels are what GPUs run, so they are checked here.)
    /// </summary>
    [TestCaseSource(nameof(FusedModels))]
    public void FusedRun_IsOneLaunchWhateverTheSteps(Func<Device, BaseModel> create)
    {
        using BaseModel model = create(Device);
        if (model is NeuralNetworkModel { FusedKernels: { } kernels }) kernels.OnHost = false;
        foreach (Sampler sampler in new Sampler[] { new MetropolisAdjustedLangevin(model, 0.1f), new HamiltonianMonteCarlo(model, 0.1f, 5) })
        {
            long Launches(int steps)
            {
                long before = Device.LaunchCount;
                sampler.SampleChain(Dim, steps, 32).Dispose();
                return Device.LaunchCount - before;
            }
            Assert.That(Launches(200), Is.EqualTo(Launches(1)), sampler.GetType().Name);
        }
    }
}

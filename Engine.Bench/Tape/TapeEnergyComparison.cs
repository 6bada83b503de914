using System.Diagnostics;
using System.Runtime.Intrinsics;
using TorchEbm.Energies;
using TorchEbm.Autodiff;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Bench.Tape;

/// <summary>
/// <c>Engine.Bench tape-energy [repetitions]</c>: Langevin and HMC on two energies written once in tape ops, traced (one
/// launch per run, the program interpreted per chain) and step by step (a tape forward and backward per evaluation),
/// beside the built-in fused model with the same energy: the 8-D Rosenbrock (<see cref="OpRosenbrock"/> against
/// <see cref="RosenbrockModel"/>) and a 10-D correlated Gaussian (<see cref="OpGaussian"/>, x - m, a product with the
/// precision, a row sum; against <see cref="GaussianModel"/>). Same chains and steps, in one process; prints chain-steps/s
/// and the ratios.
/// </summary>
/// <remarks>
/// Runs of the models alternate and each rate is the fastest of <c>repetitions</c> runs: on a machine shared with other
/// work, interference only adds time, so the minimum is the least disturbed estimate and alternating puts the models
/// under the same load.
/// </remarks>
public static class TapeEnergyComparison
{
    private const int Chains = 1024, Steps = 100, GaussianDim = 10;

    public static int Run(int repetitions)
    {
        using var device = Device.Create();
        Console.WriteLine($"{device}: {Chains} chains, {Steps} steps, fastest of {repetitions} alternating runs");
        (float[] mean, float[,] precision, float[,] covariance) = Correlated(GaussianDim);
        foreach (int dim in new[] { 2, 8, 32 }) // the interpreter's cost per instruction and per element
        {
            using var traced = new OpRosenbrock(device);
            Evaluations($"{dim}-D Rosenbrock", dim, new Rosenbrock(1f, 100f), traced, repetitions);
        }
        using (var traced = new OpGaussian(device, mean, precision))
            Evaluations($"{GaussianDim}-D Gaussian", GaussianDim, new Gaussian(traced.Mean.View, traced.Precision.View), traced, repetitions);
        using (var builtIn = new RosenbrockModel(device))
        using (var traced = new OpRosenbrock(device))
        using (var stepwise = new OpRosenbrock(device) { Tracing = false })
            Compare(device, "8-D Rosenbrock", 8, builtIn, traced, stepwise, repetitions);
        using (var builtIn = new GaussianModel(device, mean, covariance))
        using (var traced = new OpGaussian(device, mean, precision))
        using (var stepwise = new OpGaussian(device, mean, precision) { Tracing = false })
            Compare(device, $"{GaussianDim}-D Gaussian", GaussianDim, builtIn, traced, stepwise, repetitions);
        return 0;
    }

    /// <summary>
    /// One thread, eight chains per vector: E and dE/dx through the built-in energy's host twin and through the traced
    /// program's (<see cref="TracedLanes"/>: compiled where <see cref="Traced.TracedCompiler"/>'s size rule allows, else
    /// interpreted), the fastest of 10 x <paramref name="repetitions"/> alternating rounds of 2000 calls (short rounds, so on
    /// a loaded machine some run undisturbed). This is the energy's own cost, without the samplers' shared work (noise,
    /// transitions, threads).
    /// </summary>
    private static void Evaluations<TEnergy>(string energy, int dim, TEnergy builtIn, BaseModel model, int repetitions)
        where TEnergy : struct, IHostEnergy
    {
        const int calls = 2000;
        TracedLanes traced = model.TracedSource!.HostLanes(dim) ?? throw new InvalidOperationException(model.TraceStatus);
        var random = new Random(1);
        var x = new Vector256<float>[dim];
        var gradient = new Vector256<float>[dim];
        for (int i = 0; i < dim; i++) x[i] = Vector256.Create([.. Enumerable.Range(0, 8).Select(_ => (float)random.NextDouble() - 0.5f)]);
        double builtInTime = double.MaxValue, tracedTime = double.MaxValue;
        float sink = 0f;
        for (int r = -1; r < 10 * repetitions; r++) // r = -1 warms up (JIT)
        {
            var watch = Stopwatch.StartNew();
            for (int c = 0; c < calls; c++) sink += builtIn.EnergyAndGradient(x, gradient, energy: true).GetElement(0);
            if (r >= 0) builtInTime = Math.Min(builtInTime, watch.Elapsed.TotalSeconds);
            watch.Restart();
            for (int c = 0; c < calls; c++) sink += traced.EnergyAndGradient(x, gradient, energy: true).GetElement(0);
            if (r >= 0) tracedTime = Math.Min(tracedTime, watch.Elapsed.TotalSeconds);
        }
        Console.WriteLine($"{energy}, E and dE/dx of 8 chains, one thread: built-in {1e9 * builtInTime / calls,7:F0} ns, traced {1e9 * tracedTime / calls,7:F0} ns " +
            $"({(traced.IsCompiled ? "compiled" : "interpreted")}), traced / built-in time {tracedTime / builtInTime,6:F2}{(float.IsNaN(sink) ? " (NaN)" : "")}");
    }

    private static void Compare(Device device, string energy, int dim, BaseModel builtIn, BaseModel traced, BaseModel stepwise, int repetitions)
    {
        foreach ((string name, Func<BaseModel, Sampler> sampler) in new (string, Func<BaseModel, Sampler>)[]
                 {
                     ("Langevin, step 1e-4", m => new LangevinDynamics(m, 1e-4f, seed: 1)),
                     ("HMC, step 1e-3 x 10 leapfrogs", m => new HamiltonianMonteCarlo(m, 1e-3f, nLeapfrogSteps: 10, seed: 1)),
                 })
        {
            BaseModel[] models = [builtIn, traced, stepwise];
            var fastest = new double[models.Length];
            Array.Fill(fastest, double.MaxValue);
            for (int r = -1; r < repetitions; r++) // r = -1 warms every model up (tracing, JIT)
            for (int m = 0; m < models.Length; m++)
            {
                var watch = Stopwatch.StartNew();
                using (Tensor x = sampler(models[m]).Sample(dim: dim, nSteps: Steps, nSamples: Chains)) device.Synchronize();
                if (r >= 0) fastest[m] = Math.Min(fastest[m], watch.Elapsed.TotalSeconds);
            }
            double Rate(int m) => (double)Chains * Steps / fastest[m];
            Console.WriteLine($"{energy}, {name}");
            Console.WriteLine($"  built-in, fused         {Rate(0),12:E3} chain-steps/s");
            Console.WriteLine($"  tape ops, traced        {Rate(1),12:E3} chain-steps/s   traced / built-in time {fastest[1] / fastest[0],6:F2}");
            Console.WriteLine($"  tape ops, step by step  {Rate(2),12:E3} chain-steps/s   step by step / built-in time {fastest[2] / fastest[0],6:F2}");
        }
    }

    /// <summary>A Gaussian with mean (0.1 i) and tridiagonal precision (2 on the diagonal, -0.9 beside it), and its covariance.</summary>
    private static (float[] Mean, float[,] Precision, float[,] Covariance) Correlated(int d)
    {
        var precision = new double[d, d];
        for (int i = 0; i < d; i++)
        {
            precision[i, i] = 2;
            if (i > 0) precision[i, i - 1] = precision[i - 1, i] = -0.9;
        }
        double[,] covariance = Inverse(precision);
        return ([.. Enumerable.Range(0, d).Select(i => 0.1f * i)], ToFloat(precision), ToFloat(covariance));
    }

    private static float[,] ToFloat(double[,] m)
    {
        var f = new float[m.GetLength(0), m.GetLength(1)];
        for (int i = 0; i < m.GetLength(0); i++)
        for (int j = 0; j < m.GetLength(1); j++) f[i, j] = (float)m[i, j];
        return f;
    }

    /// <summary>Gauss-Jordan inverse (the precision is symmetric positive definite, so no pivoting is needed).</summary>
    private static double[,] Inverse(double[,] a)
    {
        int n = a.GetLength(0);
        var m = (double[,])a.Clone();
        var inv = new double[n, n];
        for (int i = 0; i < n; i++) inv[i, i] = 1;
        for (int p = 0; p < n; p++)
        {
            double pivot = m[p, p];
            for (int j = 0; j < n; j++) { m[p, j] /= pivot; inv[p, j] /= pivot; }
            for (int i = 0; i < n; i++)
            {
                if (i == p) continue;
                double f = m[i, p];
                for (int j = 0; j < n; j++) { m[i, j] -= f * m[p, j]; inv[i, j] -= f * inv[p, j]; }
            }
        }
        return inv;
    }
}

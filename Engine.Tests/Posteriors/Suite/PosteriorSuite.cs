using System.Diagnostics;
using TorchEbm.Models;
using TorchEbm.Samplers;

namespace TorchEbm.Tests.Posteriors;

/// <summary>
/// How the conformance suite and the side-by-side runner sample every posterior: one sampler and one set of options for
/// all models (no per-model setting), Stan's initialisation, 1000 warm-up and 1000 kept draws per chain.
/// This is the one place to switch the suite to another sampler or warm-up.
/// </summary>
public static class PosteriorSuite
{
    /// <summary>Chains per run: the engine runs many chains at once, and more chains shrink the Monte Carlo error.</summary>
    public const int Chains = 32;

    /// <summary>Warm-up steps per chain, as Stan's default.</summary>
    public const int WarmupSteps = 1000;

    /// <summary>Kept draws per chain, as Stan's default.</summary>
    public const int Draws = 1000;

    /// <summary>
    /// The sampler for every posterior: NUTS (Stan's defaults: tree depth up to 10, target acceptance 0.8) from step size
    /// 0.1, which warm-up searches per chain and adapts with the diagonal mass (<see cref="Options"/>).
    /// </summary>
    public static Sampler DefaultSampler(BaseModel model, long seed) => new NoUTurnSampler(model, stepSize: 0.1f, seed: seed);

    /// <summary>The options of every run: <see cref="WarmupSteps"/> warm-up steps (the defaults otherwise), the trajectory kept.</summary>
    public static SampleOptions Options(Tensor initialSamples) => new()
    {
        InitialSamples = initialSamples,
        WarmupSteps = WarmupSteps,
        ReturnTrajectory = true,
    };

    /// <summary>Gradient evaluations of the sampling phase: the leapfrog steps of every kept transition (as Stan's n_leapfrog__).</summary>
    private static long GradientEvaluations(ChainResult result)
    {
        Tensor leapfrogs = result.Info?.Leapfrogs ?? throw new NotSupportedException("The default sampler must report its leapfrog steps.");
        return (long)leapfrogs.ToArray().Sum(v => (double)v);
    }

    /// <summary>
    /// Samples <paramref name="model"/> with <see cref="DefaultSampler"/> from <see cref="StanInits"/> and returns the draws
    /// mapped to the model's quantities.
    /// </summary>
    public static PosteriorRun Run(PosteriorModel model, int chains = Chains, long seed = 2026)
    {
        using Tensor inits = StanInits(model, chains, seed);
        Sampler sampler = DefaultSampler(model, seed);
        var clock = Stopwatch.StartNew();
        using ChainResult result = sampler.SampleChain(model.Dimension, Draws, chains, Options(inits));
        float[] trajectory = result.Trajectory!.ToArray();
        clock.Stop();
        int d = model.Dimension, q = model.Quantities.Count;
        var draws = new double[Draws, chains, q];
        var u = new double[d];
        for (int t = 0; t < Draws; t++)
        for (int c = 0; c < chains; c++)
        {
            for (int j = 0; j < d; j++) u[j] = trajectory[((long)t * chains + c) * d + j];
            double[] values = model.Constrain(u);
            for (int k = 0; k < q; k++) draws[t, c, k] = values[k];
        }
        return new PosteriorRun(model.Quantities, draws, GradientEvaluations(result), clock.Elapsed.TotalSeconds, result.Info?.Divergences ?? 0,
            result.Warnings);
    }

    /// <summary>
    /// Stan's initialisation: every coordinate uniform(-2, 2) on the unconstrained space (a fixed seed), each chain's
    /// point drawn again, as Stan does (up to 100 tries), while its energy or gradient is not finite.
    /// </summary>
    public static Tensor StanInits(PosteriorModel model, int chains, long seed)
    {
        var random = new Random(unchecked((int)seed));
        int d = model.Dimension;
        var points = new float[chains, d];
        var pending = Enumerable.Range(0, chains).ToList();
        for (int attempt = 0; attempt < 100 && pending.Count > 0; attempt++)
        {
            foreach (int c in pending)
                for (int j = 0; j < d; j++) points[c, j] = (float)(random.NextDouble() * 4 - 2);
            using Tensor x = model.Device.FromArray(points);
            using Tensor energies = model.Forward(x), gradients = model.Gradient(x);
            float[] e = energies.ToArray(), g = gradients.ToArray();
            pending = [.. pending.Where(c => !float.IsFinite(e[c]) || Enumerable.Range(0, d).Any(j => !float.IsFinite(g[c * d + j])))];
        }
        if (pending.Count > 0)
            throw new InvalidOperationException($"{model.GetType().Name}: no finite initial point in 100 tries for chains {string.Join(", ", pending)}.");
        return model.Device.FromArray(points);
    }
}

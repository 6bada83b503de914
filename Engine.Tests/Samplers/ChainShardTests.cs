using TorchEbm.Autodiff;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>
/// <see cref="SampleOptions.FirstChain"/>: running chains [a, b) of a run with FirstChain a gives, bit for bit, rows
/// a..b-1 of the run of all chains (samples, trajectory, per-chain acceptance), for every sampler over every kind of
/// energy source (analytic, separable per-coordinate, fused MLP, opaque step by step). Sharded sampling over MPI rests on it.
/// </summary>
public sealed class ChainShardTests(DeviceKind kind) : DeviceTest(kind)
{
    private const int Chains = 10, Dim = 3, Steps = 12;
    private const long Seed = 11;
    private static readonly (int Start, int End)[] Shards = [(0, 3), (3, 7), (7, 10)];

    public static IEnumerable<TestCaseData> Cases()
    {
        string[] models = ["Gaussian", "DoubleWell", "MLP", "Opaque"];
        string[] samplers = ["Langevin", "MALA", "HMC"];
        foreach (string model in models)
        foreach (string sampler in samplers)
            yield return new TestCaseData(model, sampler).SetArgDisplayNames(model, sampler);
    }

    private BaseModel CreateModel(string name) => name switch
    {
        "Gaussian" => new GaussianModel(Device, [0.5f, -1f, 0f], new float[,] { { 2, 1, 0 }, { 1, 2, 0.5f }, { 0, 0.5f, 1 } }),
        "DoubleWell" => new DoubleWellModel(Device),
        "MLP" => new NeuralNetworkModel(new MLP(Device, Dim, [8, 8], 1, Activation.SiLU, seed: 1)),
        _ => new OpaqueModel(new GaussianModel(Device, [0f, 0f, 0f], new float[,] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } })),
    };

    private static Sampler CreateSampler(string name, BaseModel model) => name switch
    {
        "Langevin" => new LangevinDynamics(model, 0.05f, seed: Seed),
        "MALA" => new MetropolisAdjustedLangevin(model, 0.1f, seed: Seed),
        _ => new HamiltonianMonteCarlo(model, 0.1f, nLeapfrogSteps: 3, seed: Seed),
    };

    [TestCaseSource(nameof(Cases))]
    public void Shards_EqualRowsOfTheWholeRun(string modelName, string samplerName)
    {
        using BaseModel model = CreateModel(modelName);
        Sampler sampler = CreateSampler(samplerName, model);
        var options = new SampleOptions { Seed = Seed, ReturnTrajectory = true, Thin = 4 };
        (float[] samples, float[] trajectory, float[]? acceptance) = Run(sampler, Chains, options);

        foreach ((int start, int end) in Shards)
        {
            (float[] s, float[] t, float[]? a) = Run(sampler, end - start, options with { FirstChain = start });
            Assert.That(s, Is.EqualTo(samples[(start * Dim)..(end * Dim)]), $"samples of chains [{start}, {end})");
            for (int k = 0; k < Steps / options.Thin; k++)
                Assert.That(t[(k * (end - start) * Dim)..((k + 1) * (end - start) * Dim)],
                    Is.EqualTo(trajectory[((k * Chains + start) * Dim)..((k * Chains + end) * Dim)]), $"kept row {k} of chains [{start}, {end})");
            if (acceptance is not null) Assert.That(a, Is.EqualTo(acceptance[start..end]), $"acceptance of chains [{start}, {end})");
        }
    }

    [TestCase("MALA")]
    [TestCase("HMC")]
    public void Shards_WithPerChainAdaptation_EqualRowsOfTheWholeRun(string samplerName)
    {
        using BaseModel model = CreateModel("Gaussian");
        Sampler sampler = CreateSampler(samplerName, model);
        var options = new SampleOptions
        {
            Seed = Seed, WarmupSteps = 10, StepSizeAdaptation = StepSizeAdaptation.PerChain, AdaptMass = false,
        };
        (float[] samples, _, float[]? acceptance) = Run(sampler, Chains, options);
        (float[] s, _, float[]? a) = Run(sampler, 6, options with { FirstChain = 4 });

        Assert.That(s, Is.EqualTo(samples[(4 * Dim)..(10 * Dim)]));
        Assert.That(a, Is.EqualTo(acceptance![4..10]));
    }

    [Test]
    public void FirstChain_Negative_Throws()
    {
        using BaseModel model = CreateModel("Gaussian");
        var sampler = new LangevinDynamics(model, 0.05f, seed: Seed);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Sample(dim: Dim, nSteps: 1, nSamples: 4, new SampleOptions { FirstChain = -1 }));
        Assert.That(e!.ParamName, Is.EqualTo("options"));
    }

    [Test]
    public void FirstChain_PastTheLastChainIndex_Throws()
    {
        using BaseModel model = CreateModel("Gaussian");
        var sampler = new LangevinDynamics(model, 0.05f, seed: Seed);
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Sample(dim: Dim, nSteps: 1, nSamples: 4, new SampleOptions { FirstChain = int.MaxValue - 2 }));
    }

    private static (float[] Samples, float[] Trajectory, float[]? Acceptance) Run(Sampler sampler, int chains, SampleOptions options)
    {
        using ChainResult result = sampler.SampleChain(Dim, Steps, chains, options);
        return (result.Samples.ToArray(), result.Trajectory?.ToArray() ?? [], result.Info?.AcceptanceRate.ToArray());
    }
}

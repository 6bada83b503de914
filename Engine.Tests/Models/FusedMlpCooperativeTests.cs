using TorchEbm.Autodiff;
using TorchEbm.Kernels.Samplers;
using TorchEbm.Launch;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Models;

/// <summary>
/// The cooperative chain kernel (<see cref="ChainKernels.GroupChains{TSource, TTransition}"/> over
/// <see cref="TorchEbm.Networks.MlpGroupSource{TFn}"/>, CUDA's default) against the per-chain reference kernel, both on
/// the same device: every transition, several activations, one and three hidden layers, widths beyond a tile and beyond
/// a group, chain counts that no group size divides, with warm-up and a thinned trajectory.
/// </summary>
/// <remarks>
/// Every sum of the cooperative kernel starts and runs in the reference's order (a bias, then inputs by index; a gradient
/// from zero, then outputs by index) and applies the same activation calls, so each float operation is the same one.
/// On the CPU accelerator the .NET JIT never contracts a multiply and an add into one instruction, so the two kernels must
/// agree bit for bit: tolerance zero, and any difference is a bug (a wrong tile, chain or barrier). On CUDA, ptxas may
/// contract the two kernels' multiply-adds differently (each contraction moves a sum by at most one rounding, ~6e-8
/// relative), which trajectories amplify; there the bound is the host twin's (FusedMlpTests: same accept decisions,
/// states within 1e-3, while a wrong energy or gradient moves a state by the order of a step, 0.1).
/// </remarks>
public sealed class FusedMlpCooperativeTests(DeviceKind kind) : DeviceTest(kind)
{
    public enum Algorithm { Langevin, Mala, Hmc, Nuts }

    // (algorithm, activation, input dim, hidden widths, chains): 1 and 3 hidden layers per algorithm; 130 > a 64-deep tile
    // and > any group; chain counts of 1, 13, 21 and 9 leave a partial group of 8. The deep cases use the GPU's unit-major
    // scratch, the others the CPU's sample-major one.
    public static IEnumerable<TestCaseData> Cases() =>
        new (Algorithm, Activation, int, int[], int)[]
        {
            (Algorithm.Langevin, Activation.SiLU, 2, [16], 13),
            (Algorithm.Langevin, Activation.ReLU, 3, [16, 8, 12], 21),
            (Algorithm.Langevin, Activation.Tanh, 5, [130], 9),
            (Algorithm.Mala, Activation.Tanh, 2, [16], 13),
            (Algorithm.Mala, Activation.GELU, 3, [16, 8, 12], 1),
            (Algorithm.Mala, Activation.Softplus, 5, [130], 9),
            (Algorithm.Hmc, Activation.ELU, 2, [16], 13),
            (Algorithm.Hmc, Activation.Sigmoid, 3, [16, 8, 12], 21),
            (Algorithm.Hmc, Activation.LeakyReLU, 1, [130], 9),
            (Algorithm.Nuts, Activation.SiLU, 2, [16], 13), // chains build trees of different depths: the group runs until its last stops
        }.Select(c => new TestCaseData(c.Item1, c.Item2, c.Item3, c.Item4, c.Item5, c.Item4.Length > 1)
            .SetArgDisplayNames(c.Item1.ToString(), c.Item2.ToString(), string.Join("-", [c.Item3, .. c.Item4, 1]), $"{c.Item5} chains",
                c.Item4.Length > 1 ? "unit-major" : "sample-major"));

    [TestCaseSource(nameof(Cases))]
    public void GroupChains_MatchTheReferenceKernel(Algorithm algorithm, Activation activation, int dim, int[] hidden, int chains,
        bool unitMajor) =>
        Compare(Device, algorithm, activation, dim, hidden, chains, unitMajor);

    // 16 or 32 threads per group: most of them idle in the transitions, row tiles of 16 or 32 units, and layers few enough
    // units to take a thread per unit and chain (the output unit; a 2-D input's gradient with 32 threads; a last, partial
    // group of 3 chains).
    [TestCase(Algorithm.Langevin, 4, 3)]
    [TestCase(Algorithm.Mala, 4, 3)]
    [TestCase(Algorithm.Hmc, 4, 3)]
    [TestCase(Algorithm.Langevin, 8, 2)]
    [TestCase(Algorithm.Mala, 8, 2)]
    public void GroupChains_WithMoreThreadsThanChains_MatchTheReferenceKernel(Algorithm algorithm, int warps, int dim)
    {
        Assume.That(Device.Kind == DeviceKind.Cpu, "a CPU layout");
        using Device wide = Device.CreateCpu(new CpuLayout(4, warps, 1));
        Compare(wide, algorithm, Activation.SiLU, dim, [20, 70], 11, unitMajor: true);
    }

    // 128 threads per group, CUDA's size: the paths only that size takes (hidden layers of up to 16 units on a thread per
    // unit and chain, the backward tile's stride of 129, the tile's last corner), with inputs deeper than one tile.
    [TestCase(Algorithm.Langevin, 70, new[] { 16, 150 }, 13)]
    [TestCase(Algorithm.Mala, 2, new[] { 8, 8, 8, 8, 8, 8 }, 17)]
    public void GroupChains_WithCudasGroupSize_MatchTheReferenceKernel(Algorithm algorithm, int dim, int[] hidden, int chains)
    {
        Assume.That(Device.Kind == DeviceKind.Cpu, "a CPU layout");
        using Device wide = Device.CreateCpu(new CpuLayout(32, 4, 1));
        Compare(wide, algorithm, Activation.SiLU, dim, hidden, chains, unitMajor: true);
    }

    [Test]
    public void GroupChains_AreTheDefaultOnCudaOnly()
    {
        using var model = new NeuralNetworkModel(new MLP(Device, 2, [8], 1, Activation.SiLU, seed: 1));
        Assert.That(model.FusedKernels!.Cooperative, Is.EqualTo(Device.Kind == DeviceKind.Cuda));
    }

    private static void Compare(Device device, Algorithm algorithm, Activation activation, int dim, int[] hidden, int chains,
        bool unitMajor)
    {
        using var model = new NeuralNetworkModel(new MLP(device, dim, hidden, 1, activation, seed: 6));
        model.FusedKernels!.OnHost = false;
        model.FusedKernels.UnitMajor = unitMajor;
        var options = new SampleOptions { Seed = 5, WarmupSteps = algorithm == Algorithm.Langevin ? 0 : 2, ReturnTrajectory = true, Thin = 2 };
        (float[] States, float[] Acceptance) Run(bool cooperative)
        {
            model.FusedKernels!.Cooperative = cooperative;
            Sampler sampler = algorithm switch
            {
                Algorithm.Langevin => new LangevinDynamics(model, 0.05f, 0.5f, seed: 3, clampMin: -3f, clampMax: 3f),
                Algorithm.Mala => new MetropolisAdjustedLangevin(model, 0.1f, seed: 3),
                Algorithm.Nuts => new NoUTurnSampler(model, 0.5f, maxTreeDepth: 4, seed: 3),
                _ => new HamiltonianMonteCarlo(model, 0.1f, 3, seed: 3),
            };
            string kernel = cooperative ? nameof(ChainKernels.GroupChains) : nameof(ChainKernels.Chains);
            long launches = device.LaunchesOf(kernel);
            using ChainResult result = sampler.SampleChain(dim, 5, chains, options);
            Assert.That(device.LaunchesOf(kernel), Is.GreaterThan(launches), $"{kernel} ran the chains");
            Assert.That(result.Trajectory!.Shape, Is.EqualTo(new[] { 2, chains, dim }), "steps 2 and 4 kept");
            if (algorithm == Algorithm.Nuts && chains > 1)
                Assert.That(result.Info!.Leapfrogs!.ToArray().Distinct().Count(), Is.GreaterThan(1), "trees of different lengths in one group");
            return ([.. result.Trajectory.ToArray(), .. result.Samples.ToArray()],
                [.. result.Info?.AcceptanceRate.ToArray() ?? [], .. result.Info?.Leapfrogs?.ToArray() ?? []]);
        }
        (float[] reference, float[] referenceAcceptance) = Run(false);
        (float[] grouped, float[] groupedAcceptance) = Run(true);

        Assert.That(reference.All(float.IsFinite), Is.True, "a finite run to compare");
        Assert.That(groupedAcceptance, Is.EqualTo(referenceAcceptance), "the same accept decisions, chain by chain");
        if (device.Kind == DeviceKind.Cpu)
            Assert.That(grouped, Is.EqualTo(reference), "the same float operations in the same order");
        else
            Assert.That(grouped.Zip(reference, (u, v) => MathF.Abs(u - v) / MathF.Max(1f, MathF.Abs(v))).Max(), Is.LessThan(1e-3));
    }
}

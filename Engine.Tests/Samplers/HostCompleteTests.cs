using ILGPU;
using ILGPU.Runtime;
using TorchEbm.Kernels.Losses;
using TorchEbm.Kernels.Random;
using TorchEbm.Kernels.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>
/// Where the chains run step by step around a host evaluation on the CPU, a step's completion runs the
/// <see cref="ChainKernels.Complete{TTransition}"/> kernel's per-chain body (<see cref="ChainKernels.CompleteChain{TTransition}"/>)
/// in a host loop instead of launching it: both must write the same bits into the states, rows, scalars and trajectory.
/// </summary>
public sealed class HostCompleteTests(DeviceKind kind) : DeviceTest(kind)
{
    private const int Chains = 37, Dim = 3, Rows = 4, Slots = 16, Kept = 2;

    [TestCase("langevin", 0)]
    [TestCase("langevin", 1)]
    [TestCase("mala", 0)]
    public void CompleteChain_InAHostLoop_EqualsTheKernel_BitForBit(string sampler, int s)
    {
        if (Device.Kind != DeviceKind.Cpu) Assert.Ignore("The host loop runs on CPU-accelerator memory only.");
        using Tensor steps = Device.FromArray([0.05f, 0.02f], 2), noise = Device.FromArray([1f, 0.5f], 2), scales = Device.FromArray([1.3f], 1);
        var settings = new ChainSettings(Dim, Steps: 2, FirstStep: 0, Thin: 1, Call: 5, Start: 1, FirstChain: 3);
        var rng = Philox4x32.FromSeed(11);
        Tensor[] launched = Buffers(), looped = Buffers();
        try
        {
            if (sampler == "langevin")
            {
                var transition = new LangevinTransition(steps.View, noise.View, -4f, 4f);
                Launch(launched, transition, settings, rng, s);
                Loop(looped, transition, settings, rng, s);
            }
            else
            {
                var transition = new MalaTransition(new AdaptiveStepSize(steps.View, scales.View));
                Launch(launched, transition, settings, rng, s);
                Loop(looped, transition, settings, rng, s);
            }
            using (Tensor start = Device.Randn([Chains, Dim], seed: 1))
                Assert.That(launched[0].ToArray(), Is.Not.EqualTo(start.ToArray()), "the step moved the chains");
            Assert.That(launched[4].ToArray(), Has.Some.Not.EqualTo(0f), "the step kept its states");
            for (int i = 0; i < launched.Length; i++)
                Assert.That(looped[i].ToArray(), Is.EqualTo(launched[i].ToArray()), $"buffer {i} (states, rows, scalars, statistics, trajectory)");
        }
        finally
        {
            foreach (Tensor t in launched.Concat(looped)) t.Dispose();
        }
    }

    /// <summary>
    /// A Metropolis transition's start (<see cref="ChainKernels.StartChain{TTransition}"/>) and its step preparation
    /// (<see cref="ChainKernels.PrepareChain{TTransition}"/>, the momentum or proposal drawn) as host loops write the same
    /// bits as the launched <see cref="ChainKernels.Start{TTransition}"/> and <see cref="ChainKernels.Prepare{TTransition}"/>.
    /// </summary>
    [TestCase("mala", 0)]
    [TestCase("mala", 1)]
    [TestCase("hmc", 1)]
    public void StartAndPrepareChain_InAHostLoop_EqualTheKernels_BitForBit(string sampler, int s)
    {
        if (Device.Kind != DeviceKind.Cpu) Assert.Ignore("The host loop runs on CPU-accelerator memory only.");
        using Tensor steps = Device.FromArray([0.05f, 0.02f], 2), scales = Device.FromArray([1.3f], 1), mass = Device.FromArray([1f, 0.5f, 2f], Dim);
        var settings = new ChainSettings(Dim, Steps: 2, FirstStep: 0, Thin: 1, Call: 5, Start: 1, FirstChain: 3);
        var rng = Philox4x32.FromSeed(11);
        var stepSize = new AdaptiveStepSize(steps.View, scales.View);
        Tensor[] launched = Buffers(), looped = Buffers();
        try
        {
            if (sampler == "mala") StartAndPrepare(new MalaTransition(stepSize), launched, looped, settings, rng, s);
            else StartAndPrepare(new HmcTransition(stepSize, Metric.Diagonal(mass.View), 3, 0.2f), launched, looped, settings, rng, s);
            using (Tensor rows = Device.Randn([Rows * Chains * Dim], seed: 2))
                Assert.That(launched[1].ToArray(), Is.Not.EqualTo(rows.ToArray()), "start and preparation wrote the rows");
            for (int i = 0; i < launched.Length; i++)
                Assert.That(looped[i].ToArray(), Is.EqualTo(launched[i].ToArray()), $"buffer {i} (states, rows, scalars, statistics, trajectory)");
        }
        finally
        {
            foreach (Tensor t in launched.Concat(looped)) t.Dispose();
        }
    }

    private void StartAndPrepare<T>(T transition, Tensor[] launched, Tensor[] looped, ChainSettings settings, Philox4x32 rng, int s)
        where T : struct, ITransition
    {
        Assert.That(transition.NeedsStart && transition.Prepares(0), Is.True, "the transition starts and prepares");
        Device.Launch(ChainKernels.Start, Chains, launched[0].View, Of(launched), Dim, transition);
        Device.Launch(ChainKernels.Prepare, Chains, launched[0].View, Of(launched), settings, rng, transition, s, 0);
        Device.Synchronize();
        for (int c = 0; c < Chains; c++) ChainKernels.StartChain(c, Chains, looped[0].View, Of(looped), Dim, transition);
        for (int c = 0; c < Chains; c++) ChainKernels.PrepareChain(c, Chains, looped[0].View, Of(looped), settings, rng, transition, s, 0);
    }

    /// <summary>
    /// Persistent CD's replay-buffer gather (with restarts: some rows restart from noise) and scatter as host loops of
    /// their kernels' work items (<see cref="ReplayKernels.GatherRow"/>, <see cref="ReplayKernels.ScatterRow"/>) write
    /// the same bits as the launched kernels, wrapping around the ring's end.
    /// </summary>
    [Test]
    public void ReplayGatherAndScatter_InAHostLoop_EqualTheKernels_BitForBit()
    {
        if (Device.Kind != DeviceKind.Cpu) Assert.Ignore("The host loop runs on CPU-accelerator memory only.");
        const int rows = 50, dim = 5, chains = 20, start = 41;
        var rng = Philox4x32.FromSeed(7);
        int[] initialAges = Enumerable.Range(0, rows).Select(r => r % 3 == 0 ? int.MaxValue - 1 : r).ToArray();
        (float[] x, int[] ages, float[] buffer) Run(bool launch)
        {
            using Tensor buffer = Device.Randn([rows, dim], seed: 1), x = Device.Allocate([chains, dim]), advanced = Device.Randn([chains, dim], seed: 2);
            using var ages = Device.Accelerator.Allocate1D(initialAges);
            if (launch) Device.Launch(ReplayKernels.Gather, chains, buffer.View, ages.View.BaseView, x.View, dim, start, 0.3f, rng, 3u, 2, 10);
            else
            {
                Device.Synchronize();
                for (int i = 0; i < chains; i++) ReplayKernels.GatherRow(i, buffer.View, ages.View.BaseView, x.View, dim, start, 0.3f, rng, 3u, 2, 10);
            }
            float[] gathered = x.ToArray();
            int[] newAges = ages.GetAsArray1D();
            if (launch) Device.Launch(ReplayKernels.Scatter, chains, advanced.View, buffer.View, dim, start);
            else
            {
                Device.Synchronize();
                for (int i = 0; i < chains; i++) ReplayKernels.ScatterRow(i, advanced.View, buffer.View, dim, start);
            }
            return (gathered, newAges, buffer.ToArray());
        }
        (float[] x, int[] ages, float[] buffer) launched = Run(launch: true), looped = Run(launch: false);
        Assert.That(launched.ages.Count(a => a == 10), Is.InRange(1, chains - 1), "some chains restarted, some did not");
        Assert.That(looped.x, Is.EqualTo(launched.x), "gathered states");
        Assert.That(looped.ages, Is.EqualTo(launched.ages), "ages");
        Assert.That(looped.buffer, Is.EqualTo(launched.buffer), "scattered buffer");
    }

    /// <summary>States, rows, scalars, per-draw statistics and a trajectory, the same random values in every call.</summary>
    private Tensor[] Buffers() =>
    [
        Device.Randn([Chains, Dim], seed: 1), Device.Randn([Rows * Chains * Dim], seed: 2), Device.Rand([Slots * Chains], seed: 3),
        Device.Zeros(ChainState.DrawStatistics * Kept * Chains), Device.Zeros(Kept, Chains, Dim),
    ];

    private static ChainBuffers Of(Tensor[] b) => new(b[1].View, b[2].View, b[3].View);

    private void Launch<T>(Tensor[] b, T transition, ChainSettings settings, Philox4x32 rng, int s) where T : struct, ITransition =>
        Device.Launch(ChainKernels.Complete, Chains, b[0].View, Of(b), b[4].View, settings, rng, transition, s, 0);

    private void Loop<T>(Tensor[] b, T transition, ChainSettings settings, Philox4x32 rng, int s) where T : struct, ITransition
    {
        Device.Synchronize();
        for (int c = 0; c < Chains; c++) ChainKernels.CompleteChain(c, Chains, b[0].View, Of(b), b[4].View, settings, rng, transition, s, 0);
    }
}

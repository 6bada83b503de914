using TorchEbm.Autodiff;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Autodiff;

/// <summary>
/// Managed allocations of the tape: an op records its node as data, so it allocates its result (a Var and a Tensor)
/// and nothing else, and a training iteration, whose loss replays its kept graph and whose sampler run (CD) or probe
/// draw (score matching) reuses kept objects, allocates nothing.
/// </summary>
/// <remarks>Bytes are counted with <see cref="GC.GetAllocatedBytesForCurrentThread"/> after warm-up (first calls build
/// caches: the pass scratch, pooled device buffers, an element-wise function's node data), averaged over repetitions,
/// the least of three rounds.</remarks>
public sealed class TapeAllocationTests(DeviceKind kind) : DeviceTest(kind)
{
    private const int Repetitions = 50;

    /// <summary>
    /// The bounds count the engine's own objects. On the CPU accelerator element-wise ops and products run as host code;
    /// on a GPU every op is an ILGPU launch, whose own managed allocations these bounds do not model (not measured yet).
    /// </summary>
    [SetUp]
    public void CpuAcceleratorOnly()
    {
        if (Device.Kind != DeviceKind.Cpu) Assert.Ignore("Allocation bounds are derived for the CPU accelerator's host paths.");
    }

    /// <summary>
    /// Managed bytes one call of <paramref name="action"/> allocates on this thread in the steady state: after warm-up, the
    /// average over <paramref name="repetitions"/> calls, the least of three such rounds (a one-time allocation of the
    /// runtime or a cache that lands in one round, e.g. a collection growing once, is not a per-call cost).
    /// </summary>
    private static double BytesPerCall(Action action, int repetitions = Repetitions)
    {
        for (int i = 0; i < 5; i++) action();
        double least = double.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < repetitions; i++) action();
            least = Math.Min(least, (GC.GetAllocatedBytesForCurrentThread() - before) / (double)repetitions);
        }
        return least;
    }

    public static IEnumerable<TestCaseData> SameShapeOps()
    {
        yield return new TestCaseData((Func<Var, Var, Var>)((x, y) => x * y)).SetName("{m}(Multiply)");
        yield return new TestCaseData((Func<Var, Var, Var>)((x, y) => x + y)).SetName("{m}(Add)");
        yield return new TestCaseData((Func<Var, Var, Var>)((x, y) => x - y)).SetName("{m}(Subtract)");
        yield return new TestCaseData((Func<Var, Var, Var>)((x, _) => x * 3f)).SetName("{m}(Scale)");
        yield return new TestCaseData((Func<Var, Var, Var>)((x, _) => 2f - x)).SetName("{m}(Affine)");
        yield return new TestCaseData((Func<Var, Var, Var>)((x, _) => x.Exp())).SetName("{m}(Exp)");
        yield return new TestCaseData((Func<Var, Var, Var>)((x, _) => x.Pow(2.5f))).SetName("{m}(Pow)");
        yield return new TestCaseData((Func<Var, Var, Var>)((x, _) => x.Apply(Activation.SiLU))).SetName("{m}(SiLU)");
    }

    /// <summary>
    /// An element-wise op of one shape allocates exactly its result: a Var (as many bytes as a leaf Var) and a Tensor
    /// sharing its operand's shape (as many bytes as <c>AllocateLike</c>). Before nodes were data it also allocated two
    /// closures, the object they captured, a parents array and an operand array (362 bytes against 154 on the CPU).
    /// </summary>
    [TestCaseSource(nameof(SameShapeOps))]
    public void SameShapeOp_AllocatesOnlyItsResultVarAndTensor(Func<Var, Var, Var> op)
    {
        using var x = new Var(Device.Randn(64, 4, seed: 1), requiresGrad: true);
        using var y = new Var(Device.Randn(64, 4, seed: 2), requiresGrad: true);
        double leafVar = BytesPerCall(() => Var.Borrowed(x.Value).Dispose());
        double tensor = BytesPerCall(() => Device.AllocateLike(x.Value).Dispose());
        double result = BytesPerCall(() => op(x, y).Dispose());
        TestContext.Out.WriteLine($"leaf Var {leafVar} B, tensor {tensor} B, op {result} B");
        Assert.That(result, Is.LessThanOrEqualTo(leafVar + tensor), "an op allocates its Var and its Tensor, nothing more");
    }

    /// <summary>
    /// A backward pass allocates, per node, only the gradient buffer of each intermediate (a Tensor shaped like its
    /// value): its scratch collections and gradient table are reused pass after pass.
    /// </summary>
    [Test]
    public void BackwardPass_AllocatesOnlyTheIntermediatesGradientBuffers()
    {
        using var x = new Var(Device.Randn(64, 4, seed: 1), requiresGrad: true);
        using var y = new Var(Device.Randn(64, 4, seed: 2));
        using Var loss = (x * y).Exp().Sum(); // intermediates: x * y, exp, sum
        double tensor = BytesPerCall(() => Device.AllocateLike(x.Value).Dispose());
        double pass = BytesPerCall(loss.Backward);
        TestContext.Out.WriteLine($"tensor {tensor} B, backward pass {pass} B");
        Assert.That(pass, Is.LessThanOrEqualTo(3 * tensor), "three gradient buffers, nothing per pass besides");
    }

    /// <summary>
    /// One CD iteration (sampler run, loss on data and negatives, backward, Adam step) of an MLP 2-16-16-1 allocates nothing
    /// after warm-up. The loss replays its kept graph (<see cref="GraphReplay"/>), so the 14 op nodes make no Var, tensor or
    /// gradient buffer; the checks and Adam's step allocate nothing; the sampler run takes everything from the loss's
    /// <see cref="ChainWorkspace"/>: its working memory (rows, scalars, placeholders, schedule tables), its request, its
    /// <see cref="ChainRun"/> and chains, its states tensor and its result, and completes its steps without a launch; CD
    /// starts the chains from its kept starting states, and persistent CD gathers and scatters its replay buffer without
    /// launches. So the bound is 0 B, for the run in a workspace alone and for the iteration. Before: recording every call
    /// 6152 B; replaying with a fresh sampler run each call 2680 B (CD from the data) and 3096 B (persistent); with the
    /// workspace's memory but the run's own objects made per call 448 B (a sampler run alone in a workspace: 448 B too).
    /// With a Metropolis sampler the run also starts and prepares its steps without a launch, writes the inverse mass
    /// into working memory and builds no acceptance report (nothing reads it from a workspace run): before, MALA 1832 B
    /// and HMC 2360 B in a workspace.
    /// </summary>
    [TestCase("langevin", false)]
    [TestCase("langevin", true)]
    [TestCase("mala", false)]
    [TestCase("hmc", true)]
    public void ContrastiveDivergenceIteration_AllocatesNothing(string algorithm, bool persistent)
    {
        const int batch = 32, k = 2;
        using var model = new NeuralNetworkModel(new MLP(Device, 2, [16, 16], 1, Activation.SiLU, seed: 0));
        Sampler sampler = algorithm switch
        {
            "mala" => new MetropolisAdjustedLangevin(model, stepSize: 0.01f, seed: 3),
            "hmc" => new HamiltonianMonteCarlo(model, stepSize: 0.01f, nLeapfrogSteps: 3, seed: 3),
            _ => new LangevinDynamics(model, stepSize: 0.01f, seed: 3),
        };
        using var loss = new ContrastiveDivergence(sampler, k: k, persistent: persistent, bufferSize: 100, energyRegularization: 0f) { CheckFinite = false };
        using var adam = new Adam(model.Parameters(), lr: 1e-3f);
        using Tensor data = Device.Randn(batch, 2, seed: 8);
        using var workspace = new ChainWorkspace();

        double freshRun = BytesPerCall(() => sampler.Advance(data, k).Dispose(), 20);
        double keptRun = BytesPerCall(() => sampler.Advance(data, k, workspace: workspace), 20); // the states are the workspace's
        double iteration = BytesPerCall(() => Iteration(loss, model, adam, data), 20);
        TestContext.Out.WriteLine($"sampler run {freshRun} B fresh, {keptRun} B in a workspace: iteration {iteration} B");
        Assert.That(keptRun, Is.Zero, "a sampler run in a kept workspace allocates nothing");
        Assert.That(iteration, Is.Zero, "a CD iteration allocates nothing");
    }

    public static IEnumerable<TestCaseData> ScoreMatchingLosses()
    {
        yield return new TestCaseData((Func<BaseLoss>)(() => new DenoisingScoreMatching(0.1f) { CheckFinite = false })).SetArgDisplayNames("dsm");
        yield return new TestCaseData((Func<BaseLoss>)(() => new SlicedScoreMatching() { CheckFinite = false })).SetArgDisplayNames("ssm");
        yield return new TestCaseData((Func<BaseLoss>)(() => new ScoreMatching() { CheckFinite = false })).SetArgDisplayNames("sm-exact");
    }

    /// <summary>
    /// One score-matching iteration (the probe draw, the create-graph gradient, the loss, backward through both, Adam)
    /// allocates nothing after warm-up: the loss replays its kept graph, and on the CPU accelerator the probes are drawn by
    /// the probe kernel's row body in a host loop (<see cref="TorchEbm.Kernels.Losses.ProbeDraw"/>), not a launch. So the
    /// bound is 0 B. Before: recording every call 6-17 KB per iteration here (the double-backward graph's nodes and
    /// buffers); replaying, with the probes drawn by an ILGPU launch, 112 B (DSM, SSM: the launch's own objects).
    /// </summary>
    [TestCaseSource(nameof(ScoreMatchingLosses))]
    public void ScoreMatchingIteration_AllocatesNothing(Func<BaseLoss> create)
    {
        using var model = new NeuralNetworkModel(new MLP(Device, 2, [16, 16], 1, Activation.SiLU, seed: 0));
        using var adam = new Adam(model.Parameters(), lr: 1e-3f);
        using BaseLoss loss = create();
        using Tensor data = Device.Randn(64, 2, seed: 8);
        double iteration = BytesPerCall(() => Iteration(loss, model, adam, data), 20);
        TestContext.Out.WriteLine($"iteration {iteration} B");
        Assert.That(iteration, Is.Zero, "a score-matching iteration allocates nothing");
    }

    private static void Iteration(BaseLoss loss, BaseModel model, Adam adam, Tensor data)
    {
        adam.ZeroGrad();
        using Var value = loss.Compute(model, data);
        value.Backward();
        adam.Step();
    }
}

using TorchEbm.Autodiff;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Autodiff;

/// <summary>
/// Managed allocations of the tape: an op records its node as data, so it allocates its result (a Var and a Tensor)
/// and nothing else, and a training iteration allocates a bounded amount per node on top of its sampler run.
/// </summary>
/// <remarks>Bytes are counted with <see cref="GC.GetAllocatedBytesForCurrentThread"/> after warm-up (first calls build
/// caches: the pass scratch, pooled device buffers, an element-wise function's node data), averaged over repetitions.</remarks>
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

    /// <summary>Average managed bytes one call of <paramref name="action"/> allocates on this thread, after warm-up.</summary>
    private static double BytesPerCall(Action action, int repetitions = Repetitions)
    {
        for (int i = 0; i < 3; i++) action();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < repetitions; i++) action();
        return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)repetitions;
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
    /// One CD iteration (sampler run, loss on data and negatives, backward, Adam step) of an MLP 2-16-16-1 allocates, after
    /// warm-up, at most its sampler run's bytes plus, per tape node, a Var and two Tensors (its value and its gradient
    /// buffer) with two shape arrays each, plus the loss's batch tensor and input leaf. The graph has 14 op nodes: three
    /// linear layers (MatMulTransposed, AddBias), two SiLU, the reshape to (n), two slices, two means and the difference.
    /// </summary>
    [Test]
    public void ContrastiveDivergenceIteration_AllocatesAtMostItsNodesBesideTheSampler()
    {
        const int batch = 32, k = 2, opNodes = 14;
        using var model = new NeuralNetworkModel(new MLP(Device, 2, [16, 16], 1, Activation.SiLU, seed: 0));
        var sampler = new LangevinDynamics(model, stepSize: 0.01f, seed: 3);
        using var loss = new ContrastiveDivergence(sampler, k: k, persistent: false, energyRegularization: 0f) { CheckFinite = false };
        using var adam = new Adam(model.Parameters(), lr: 1e-3f);
        using Tensor data = Device.Randn(batch, 2, seed: 8);

        double samplerRun = BytesPerCall(() => sampler.Advance(data, k).Dispose(), 20);
        double leafVar = BytesPerCall(() => Var.Borrowed(data).Dispose());
        double shapedTensor = BytesPerCall(() => Device.Allocate([batch, 2]).Dispose()); // a tensor with its own shape (and the literal's)
        double iteration = BytesPerCall(() =>
        {
            adam.ZeroGrad();
            using Var value = loss.Compute(model, data);
            value.Backward();
            adam.Step();
        }, 20);
        double bound = samplerRun + opNodes * (leafVar + 2 * shapedTensor) + leafVar + shapedTensor;
        TestContext.Out.WriteLine($"sampler {samplerRun} B, leaf Var {leafVar} B, tensor {shapedTensor} B: iteration {iteration} B, bound {bound} B");
        Assert.That(iteration, Is.LessThanOrEqualTo(bound));
    }
}

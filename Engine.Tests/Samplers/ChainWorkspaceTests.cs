using ILGPU;
using ILGPU.Runtime;
using TorchEbm.Autodiff;
using TorchEbm.Energies;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Schedulers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Samplers;

/// <summary>
/// A run in a kept <see cref="ChainWorkspace"/> (contrastive divergence's sampler runs) computes the same bits as a run
/// that allocates its working memory afresh: over calls of one shape, a shape change, a schedule whose values change
/// between calls, and each chain path (a fused source, an MLP's source, a model without one).
/// </summary>
public sealed class ChainWorkspaceTests(DeviceKind kind) : DeviceTest(kind)
{
    /// <summary>A schedule a user may change between calls: the workspace must upload its table again.</summary>
    private sealed class SettableScheduler(float value) : Scheduler
    {
        public float Value { get; set; } = value;

        protected override double Compute(int step) => Value / (1.0 + step);
    }

    private static readonly float[,] Covariance = { { 1f, 0.3f, 0f }, { 0.3f, 0.5f, 0f }, { 0f, 0f, 2f } };

    public static IEnumerable<TestCaseData> Models()
    {
        yield return new TestCaseData((Func<Device, BaseModel>)(d => new GaussianModel(d, [0.5f, -1f, 2f], Covariance))).SetArgDisplayNames("fused");
        yield return new TestCaseData((Func<Device, BaseModel>)(d => new NeuralNetworkModel(new MLP(d, 3, [8], 1, Activation.SiLU, seed: 2)))).SetArgDisplayNames("mlp");
        yield return new TestCaseData((Func<Device, BaseModel>)(d => new OpaqueModel(new GaussianModel(d, [0.5f, -1f, 2f], Covariance)))).SetArgDisplayNames("opaque");
    }

    [TestCaseSource(nameof(Models))]
    public void AdvanceInAWorkspace_EqualsAFreshRun_BitForBit(Func<Device, BaseModel> create)
    {
        using BaseModel model = create(Device);
        var step = new SettableScheduler(0.05f);
        var kept = new LangevinDynamics(model, step, seed: 4);
        var fresh = new LangevinDynamics(model, step, seed: 4);
        using var workspace = new ChainWorkspace();
        using Tensor wide = Device.Randn(16, 3, seed: 1), narrow = Device.Randn(5, 3, seed: 2);
        (Tensor start, int steps, float h)[] calls =
            [(wide, 3, 0.05f), (wide, 3, 0.05f), (wide, 3, 0.02f), (narrow, 2, 0.02f), (wide, 4, 0.02f), (wide, 4, 0.02f)];
        Tensor? last = null;
        for (int call = 0; call < calls.Length; call++)
        {
            (Tensor start, int steps, float h) = calls[call];
            step.Value = h;
            Tensor a = kept.Advance(start, steps, firstChain: 1, workspace); // the workspace's states: not disposed here
            using Tensor b = fresh.Advance(start, steps, firstChain: 1);
            Assert.That(a.ToArray(), Is.EqualTo(b.ToArray()), $"call {call}");
            if (call > 0 && calls[call - 1].start == start) Assert.That(a, Is.SameAs(last), $"call {call} returns the kept states tensor");
            last = a;
        }
    }

    /// <summary>
    /// A run that returns states it made itself rather than the workspace's (parallel tempering's cold replicas, the sampler
    /// a persistent CD may be given) hands them to the workspace: the same bits as a fresh run, and each call frees the
    /// last call's, so steady calls leave no tensor behind.
    /// </summary>
    [Test]
    public void TemperedAdvanceInAWorkspace_EqualsAFreshRun_AndFreesWhatItHandsOver()
    {
        using var model = new GaussianModel(Device, [0.5f, -1f], new float[,] { { 1f, 0.3f }, { 0.3f, 0.5f } });
        var kept = new ParallelTempering(model, 3, new LangevinDynamics(model, 0.05f, seed: 2), swapEvery: 2, seed: 5);
        var fresh = new ParallelTempering(model, 3, new LangevinDynamics(model, 0.05f, seed: 2), swapEvery: 2, seed: 5);
        using var workspace = new ChainWorkspace();
        using Tensor start = Device.Randn(8, 2, seed: 3);
        int before = Device.LiveTensors, live = 0;
        for (int call = 0; call < 4; call++)
        {
            Tensor a = kept.Advance(start, 4, workspace: workspace);
            using Tensor b = fresh.Advance(start, 4);
            Assert.That(a.ToArray(), Is.EqualTo(b.ToArray()), $"call {call}");
            if (call == 1) live = Device.LiveTensors;
            if (call > 1) Assert.That(Device.LiveTensors, Is.EqualTo(live), $"call {call} freed the last call's states");
        }
        workspace.Dispose();
        Assert.That(Device.LiveTensors, Is.EqualTo(before), "disposing frees the states handed over");
    }

    /// <summary>
    /// A workspace hands back its one result over each run's states: what was read from it (the non-finite chains) is
    /// computed again from the new states, and a tensor an earlier run handed over is freed once a run returns the
    /// workspace's own states again.
    /// </summary>
    [Test]
    public void ReusedResultAndHandOver_ForgetTheLastRun()
    {
        using var model = new GaussianModel(Device, [0f, 0f], new float[,] { { 1f, 0f }, { 0f, 1f } });
        using var workspace = new ChainWorkspace();
        Tensor states = workspace.States(Device, [4, 2]);
        states.View.CopyFromCPU(new float[8]);
        ChainResult first = workspace.Result(states, model);
        Assert.That(first.NonFiniteChains, Is.Zero);
        states.View.CopyFromCPU(new[] { float.NaN, 0f, 0f, 0f, 0f, 0f, 0f, float.PositiveInfinity });
        ChainResult second = workspace.Result(states, model);
        Assert.That(second, Is.SameAs(first), "the result is reused");
        Assert.That(second.NonFiniteChains, Is.EqualTo(2), "counted from this run's states, not the last run's");

        int live = Device.LiveTensors;
        Tensor own = Device.Zeros(4, 2);
        Assert.That(workspace.HandOver(own), Is.SameAs(own));
        Assert.That(workspace.HandOver(states), Is.SameAs(states));
        Assert.That(Device.LiveTensors, Is.EqualTo(live), "the tensor handed over earlier is freed");
    }

    [Test]
    public void DisposingTheWorkspace_FreesItsTensors()
    {
        using var model = new GaussianModel(Device, [0f, 0f], new float[,] { { 1f, 0f }, { 0f, 1f } });
        var sampler = new LangevinDynamics(model, 0.1f, seed: 1);
        using Tensor start = Device.Randn(8, 2, seed: 3);
        int before = Device.LiveTensors;
        var workspace = new ChainWorkspace();
        sampler.Advance(start, 2, workspace: workspace); // its states are the workspace's
        Assert.That(Device.LiveTensors, Is.GreaterThan(before), "the workspace keeps its memory between runs");
        workspace.Dispose();
        Assert.That(Device.LiveTensors, Is.EqualTo(before));
    }
}

using TorchEbm.Autodiff;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Autodiff;

/// <summary>
/// A loss keeps its training step's graph and replays it on the next call (<see cref="BaseLoss.ReplayGraph"/>): the
/// same ops rerun from their recorded nodes into kept tensors, the backward pass into kept gradient buffers. Replayed
/// training must be the recorded training bit for bit, and every case that could make a replay wrong must record.
/// </summary>
public sealed class GraphReplayTests(DeviceKind kind) : DeviceTest(kind)
{
    private const int Steps = 5;

    /// <summary>Each loss with its own seeds (fresh per side of a comparison, so both draw the same noise).</summary>
    public static IEnumerable<TestCaseData> Losses()
    {
        yield return Case("cd-persistent", m => new ContrastiveDivergence(new LangevinDynamics(m, 0.01f, seed: 3), k: 3, batchSize: 16, bufferSize: 64, seed: 4));
        yield return Case("cd-from-data", m => new ContrastiveDivergence(new MetropolisAdjustedLangevin(m, 0.01f, seed: 3), k: 2, persistent: false));
        yield return Case("dsm", _ => new DenoisingScoreMatching(0.3f, seed: 1));
        yield return Case("ssm", _ => new SlicedScoreMatching(2, ProjectionKind.Sphere, seed: 1));
        yield return Case("ssm-vr", _ => new SlicedScoreMatching(varianceReduced: true, seed: 2));
        yield return Case("sm-exact", _ => new ScoreMatching());
        yield return Case("sm-hutchinson", _ => new ScoreMatching(HessianTrace.Hutchinson, nProbes: 2, seed: 1));
        yield return Case("eqm", _ => new EquilibriumMatching(seed: 2));
    }

    private static TestCaseData Case(string name, Func<BaseModel, BaseLoss> create) => new TestCaseData(create).SetArgDisplayNames(name);

    /// <summary>One training run: a fresh MLP, its loss and Adam, stepped one batch at a time.</summary>
    private sealed class Run : IDisposable
    {
        public readonly NeuralNetworkModel Model;
        public readonly BaseLoss Loss;
        public readonly Adam Adam;

        public Run(Device device, Func<BaseModel, BaseLoss> create, bool replay, Module? network = null)
        {
            Model = new NeuralNetworkModel(network ?? new MLP(device, 2, [16, 16], 1, Activation.SiLU, seed: 5));
            Loss = create(Model);
            Loss.ReplayGraph = replay;
            Adam = new Adam(Model.Parameters(), lr: 1e-2f);
        }

        /// <summary>One iteration; returns the loss's bits.</summary>
        public float Step(Tensor data)
        {
            Adam.ZeroGrad();
            using Var value = Loss.Compute(Model, data);
            value.Backward();
            Adam.Step();
            return value.Value.ToArray()[0];
        }

        public float[] Parameters() => [.. Model.Parameters().SelectMany(p => p.Value.ToArray())];

        public void Dispose()
        {
            Adam.Dispose();
            Loss.Dispose();
            Model.Dispose();
        }
    }

    private static void AssertSameBits(float[] actual, float[] expected, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        for (int i = 0; i < actual.Length; i++)
            if (BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(expected[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]:R} replayed but {expected[i]:R} recorded.");
    }

    /// <summary>
    /// Training with replay equals training that records every step, bit for bit: each step's loss and, after
    /// <see cref="Steps"/> Adam steps, every parameter; and all steps after the first were replays (none with it off).
    /// </summary>
    [TestCaseSource(nameof(Losses))]
    public void ReplayedTraining_EqualsRecordedTraining_BitForBit(Func<BaseModel, BaseLoss> create)
    {
        using var replayed = new Run(Device, create, replay: true);
        using var recorded = new Run(Device, create, replay: false);
        var batches = Enumerable.Range(0, Steps).Select(s => Device.Randn(32, 2, seed: 100 + s)).ToArray();
        try
        {
            float[] lossReplayed = [.. batches.Select(replayed.Step)], lossRecorded = [.. batches.Select(recorded.Step)];
            AssertSameBits(lossReplayed, lossRecorded, "loss per step");
            AssertSameBits(replayed.Parameters(), recorded.Parameters(), "parameters after training");
            Assert.That(replayed.Loss.Replay.Replays, Is.EqualTo(Steps - 1), "every step after the first replays");
            Assert.That(recorded.Loss.Replay.Replays, Is.Zero);
        }
        finally
        {
            foreach (Tensor b in batches) b.Dispose();
        }
    }

    /// <summary>
    /// A batch of another size records a new graph (then replays it), and the results still equal recording; so does a
    /// call whose last result is still held (its value must not change under its holder).
    /// </summary>
    [Test]
    public void ShapeChangeAndHeldResult_Record_AndStillEqualRecording()
    {
        Func<BaseModel, BaseLoss> create = _ => new DenoisingScoreMatching(0.2f, seed: 7);
        using var replayed = new Run(Device, create, replay: true);
        using var recorded = new Run(Device, create, replay: false);
        int[] sizes = [32, 32, 16, 16, 32];
        var batches = sizes.Select((n, s) => Device.Randn(n, 2, seed: 200 + s)).ToArray();
        try
        {
            AssertSameBits([.. batches.Select(replayed.Step)], [.. batches.Select(recorded.Step)], "loss per step");
            Assert.That(replayed.Loss.Replay.Replays, Is.EqualTo(2), "32 (record), 32 (replay), 16 (record), 16 (replay), 32 (record)");

            // Hold a result across the next call: that call must record, leaving the held value as it was.
            using Var held = replayed.Loss.Compute(replayed.Model, batches[0]);
            float before = held.Value.ToArray()[0];
            using (Var next = replayed.Loss.Compute(replayed.Model, batches[1])) Assert.That(next, Is.Not.SameAs(held));
            Assert.That(held.Value.ToArray()[0], Is.EqualTo(before), "a held result is never replayed into");
            Assert.That(replayed.Loss.Replay.Replays, Is.EqualTo(3), "the held call itself replayed (the last result was disposed); the next did not");
        }
        finally
        {
            foreach (Tensor b in batches) b.Dispose();
        }
    }

    /// <summary>
    /// A call under <see cref="Tape.NoGrad"/> records (its result needs no gradient, unlike the kept graph's), and a
    /// parameter disposed since the last call is reported by the next call (<see cref="ObjectDisposedException"/>).
    /// </summary>
    [Test]
    public void NoGradCallAndDisposedParameter_Record()
    {
        using var run = new Run(Device, m => new ContrastiveDivergence(new LangevinDynamics(m, 0.01f, seed: 3), k: 1, persistent: false), replay: true);
        using Tensor data = Device.Randn(16, 2, seed: 4);
        run.Step(data);
        run.Step(data);
        Assert.That(run.Loss.Replay.Replays, Is.EqualTo(1));
        using (Tape.NoGrad())
        using (Var value = run.Loss.Compute(run.Model, data))
            Assert.That(value.RequiresGrad, Is.False);
        Assert.That(run.Loss.Replay.Replays, Is.EqualTo(1), "a no-grad call records");
        run.Step(data);
        run.Step(data);
        Assert.That(run.Loss.Replay.Replays, Is.EqualTo(2), "the no-grad graph is not replayed with gradients on: recorded, then replayed");
        run.Model.Parameters().First().Dispose();
        Assert.Throws<ObjectDisposedException>(() => run.Loss.Compute(run.Model, data).Dispose());
        Assert.That(run.Loss.Replay.Replays, Is.EqualTo(2));
    }

    /// <summary>A user's module (whose Forward may branch or make values per call) is recorded every call, never replayed.</summary>
    [Test]
    public void UserModule_IsRecordedEveryCall()
    {
        using var run = new Run(Device, _ => new DenoisingScoreMatching(0.2f, seed: 7), replay: true, network: new UserModule(Device));
        using Tensor data = Device.Randn(16, 2, seed: 3);
        for (int s = 0; s < 3; s++) run.Step(data);
        Assert.That(run.Model.HasStaticEnergies, Is.False);
        Assert.That(run.Loss.Replay.Replays, Is.Zero);
    }

    /// <summary>
    /// The kept graph is freed with the loss, or when replay is switched off: the device's live tensors come back to
    /// what they were before training (plus the leaves' gradients and Adam's moments, made once).
    /// </summary>
    [Test]
    public void KeptGraph_IsFreedWithTheLoss_AndWhenReplayIsSwitchedOff()
    {
        using var model = new NeuralNetworkModel(new MLP(Device, 2, [8], 1, Activation.SiLU, seed: 1));
        using var adam = new Adam(model.Parameters(), lr: 1e-3f);
        using Tensor data = Device.Randn(16, 2, seed: 3);
        void Train(BaseLoss loss)
        {
            for (int s = 0; s < 3; s++)
            {
                adam.ZeroGrad();
                using Var value = loss.Compute(model, data);
                value.Backward();
                adam.Step();
            }
        }

        using (var warmUp = new DenoisingScoreMatching(0.2f)) Train(warmUp); // gradients and moments now exist
        int live = Device.LiveTensors;
        var loss = new DenoisingScoreMatching(0.2f);
        Train(loss);
        Assert.That(Device.LiveTensors, Is.GreaterThan(live), "the graph is kept between calls");
        loss.ReplayGraph = false;
        Assert.That(Device.LiveTensors, Is.EqualTo(live), "switching replay off frees it");
        loss.ReplayGraph = true;
        Train(loss);
        loss.Dispose();
        Assert.That(Device.LiveTensors, Is.EqualTo(live), "disposing the loss frees it");
    }

    /// <summary>The example of docs/articles/training-allocations.md runs as shown, and replays every step after the first.</summary>
    [Test]
    public void DocsExample_RunsAsShown_AndReplays()
    {
        // README training allocations begins
        using var device = Device.Create();
        using var model = new NeuralNetworkModel(new MLP(device, inputDim: 2, hiddenDims: new[] { 32, 32 }, outputDim: 1, seed: 0));
        using var loss = new DenoisingScoreMatching(sigma: 0.1f); // ReplayGraph is on by default
        using var adam = new Adam(model.Parameters(), lr: 1e-3f);
        using Tensor data = device.Randn(256, 2, seed: 1);
        for (int step = 0; step < 20; step++)
        {
            adam.ZeroGrad();
            using Var value = loss.Compute(model, data); // from the second step on: the kept graph, replayed
            value.Backward();
            adam.Step();
        }
        // README training allocations ends
        Assert.That(loss.Replay.Replays, Is.EqualTo(19));
        Assert.That(ReadmeCode.Block("## Example", "docs/articles/training-allocations.md"),
            Is.EqualTo(ReadmeCode.Marked("Engine.Tests/Autodiff/GraphReplayTests.cs", "training allocations")));
    }

    /// <summary>A module outside the engine's own layers: a linear map and a square, written by a user.</summary>
    private sealed class UserModule(Device device) : Module(device)
    {
        private readonly Linear _linear = new(device, 2, 1, seed: 9);

        public override int? InputDim => 2;

        public override Var Forward(Var x) => _linear.Forward(x).Square();

        public override IEnumerable<(string Name, Var Parameter)> NamedParameters() => _linear.NamedParameters();

        public override void Dispose()
        {
            _linear.Dispose();
            base.Dispose();
        }
    }
}

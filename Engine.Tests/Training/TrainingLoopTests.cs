using TorchEbm.Autodiff;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;
using TorchEbm.Samplers;
using TorchEbm.Training;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Training;

/// <summary>
/// <see cref="TrainingLoop"/>: permutation minibatches, reproducibility, cancellation, the NaN stop, progress and
/// evaluation callbacks, learning from a user's float[,], and argument errors raised before anything runs.
/// </summary>
public sealed class TrainingLoopTests(DeviceKind kind) : DeviceTest(kind)
{
    /// <summary>n rows (i, -i): each row names its own index.</summary>
    private static float[,] IndexRows(int n)
    {
        var data = new float[n, 2];
        for (int i = 0; i < n; i++) (data[i, 0], data[i, 1]) = (i, -i);
        return data;
    }

    private NeuralNetworkModel SmallMlp(int seed = 0) => new(new MLP(Device, 2, [8], 1, Activation.SiLU, seed));

    private static float[] Flatten(IEnumerable<Var> parameters) => [.. parameters.SelectMany(p => p.Value.ToArray())];

    private sealed class Recorder<T> : IProgress<T>
    {
        public List<T> Reports { get; } = [];
        public Action<T>? OnReport { get; init; }
        public void Report(T value)
        {
            Reports.Add(value);
            OnReport?.Invoke(value);
        }
    }

    [Test]
    public void Epochs_VisitEveryRowExactlyOncePerEpoch_InANewOrderEachEpoch()
    {
        const int n = 100, batchSize = 8, epochs = 3;   // 12 batches of 8 and one of 4 per epoch
        using NeuralNetworkModel model = SmallMlp();
        using var loss = new RecordingLoss();
        using var sgd = new Sgd(model.Parameters(), lr: 1e-3f);
        TrainingLoopResult result = TrainingLoop.Run(model, loss, sgd, IndexRows(n),
            new TrainingLoopOptions { Epochs = epochs, BatchSize = batchSize, Seed = 7 });

        Assert.That(result.StepsPerEpoch, Is.EqualTo(13));
        Assert.That(result.Steps, Is.EqualTo(epochs * 13));
        var orders = new List<int[]>();
        for (int e = 0; e < epochs; e++)
        {
            float[][] batches = [.. loss.Batches.Skip(e * 13).Take(13).Select(b => Enumerable.Range(0, b.GetLength(0)).Select(i => b[i, 0]).ToArray())];
            Assert.That(batches.Select(b => b.Length), Is.EqualTo(Enumerable.Repeat(8, 12).Append(4)), $"epoch {e} batch sizes");
            int[] order = [.. batches.SelectMany(b => b).Select(v => (int)v)];
            Assert.That(order.Order(), Is.EqualTo(Enumerable.Range(0, n)), $"epoch {e} covers every row exactly once");
            Assert.That(loss.Batches.Skip(e * 13).Take(13).SelectMany(b => Enumerable.Range(0, b.GetLength(0)).Select(i => b[i, 1] == -b[i, 0])),
                Is.All.True, "rows are gathered whole");
            orders.Add(order);
        }
        Assert.That(orders[0], Is.Not.EqualTo(Enumerable.Range(0, n)), "the order is shuffled");
        Assert.That(orders[1], Is.Not.EqualTo(orders[0]), "each epoch draws a new permutation");
        Assert.That(orders[2], Is.Not.EqualTo(orders[1]));
    }

    [Test]
    public void DropLast_SkipsThePartialBatch()
    {
        using NeuralNetworkModel model = SmallMlp();
        using var loss = new RecordingLoss();
        using var sgd = new Sgd(model.Parameters(), lr: 1e-3f);
        TrainingLoopResult result = TrainingLoop.Run(model, loss, sgd, IndexRows(10),
            new TrainingLoopOptions { Epochs = 2, BatchSize = 4, DropLast = true });
        Assert.That(result.StepsPerEpoch, Is.EqualTo(2));
        Assert.That(loss.Batches.Select(b => b.GetLength(0)), Is.EqualTo(new[] { 4, 4, 4, 4 }));
        int[] firstEpoch = [.. loss.Batches.Take(2).SelectMany(b => new[] { b[0, 0], b[1, 0], b[2, 0], b[3, 0] }).Select(v => (int)v)];
        Assert.That(firstEpoch, Is.Unique);
    }

    [Test]
    public void SameSeeds_GiveBitIdenticalParameters()
    {
        float[] first = TrainBlob(steps: 12, loopSeed: 3, out _), second = TrainBlob(steps: 12, loopSeed: 3, out _);
        float[] otherOrder = TrainBlob(steps: 12, loopSeed: 4, out _);
        Assert.That(second, Is.EqualTo(first).AsCollection, "bit-identical (exact float equality)");
        Assert.That(otherOrder, Is.Not.EqualTo(first).AsCollection, "another loop seed draws other batches");
    }

    [Test]
    public void Cancellation_AfterKSteps_LeavesExactlyKStepsDone()
    {
        const int k = 3;
        using NeuralNetworkModel model = SmallMlp();
        using var loss = new RecordingLoss();
        using var sgd = new Sgd(model.Parameters(), lr: 1e-2f);
        using var cts = new CancellationTokenSource();
        float[]? atK = null;
        var progress = new Recorder<TrainingProgress>
        {
            OnReport = p =>
            {
                if (p.Step != k) return;
                atK = Flatten(model.Parameters());
                cts.Cancel();
            },
        };
        TrainingLoopResult result = TrainingLoop.Run(model, loss, sgd, IndexRows(64),
            new TrainingLoopOptions { Steps = 20, BatchSize = 8 }, progress, cancellationToken: cts.Token);

        Assert.That(result.Cancelled, Is.True);
        Assert.That(result.Steps, Is.EqualTo(k));
        Assert.That(result.Losses, Has.Count.EqualTo(k));
        Assert.That(loss.Calls, Is.EqualTo(k), "no step began after the cancellation");
        Assert.That(Flatten(model.Parameters()), Is.EqualTo(atK).AsCollection, "the parameters of step k");
    }

    [Test]
    public void NonFiniteLoss_StopsAndKeepsTheLastFiniteParameters()
    {
        // Calls 0..4 are finite (at the parameters after 0..4 updates); call 5 is NaN.
        using NeuralNetworkModel model = SmallMlp();
        using var loss = new RecordingLoss { NaNFromCall = 5 };
        using var sgd = new Sgd(model.Parameters(), lr: 1e-2f);
        float[]? afterFourUpdates = null;
        var progress = new Recorder<TrainingProgress> { OnReport = p => { if (p.Step == 4) afterFourUpdates = Flatten(model.Parameters()); } };
        TrainingLoopResult result = TrainingLoop.Run(model, loss, sgd, IndexRows(64), new TrainingLoopOptions { Steps = 20, BatchSize = 8 }, progress);

        Assert.That(result.Diverged, Is.True);
        Assert.That(result.DivergedAt, Is.EqualTo(5));
        Assert.That(result.Steps, Is.EqualTo(5));
        Assert.That(result.Losses, Is.All.Matches<float>(float.IsFinite));
        Assert.That(loss.Calls, Is.EqualTo(6), "stopped at the first non-finite loss");
        float[] final = Flatten(model.Parameters());
        Assert.That(final, Is.All.Matches<float>(float.IsFinite));
        Assert.That(final, Is.EqualTo(afterFourUpdates).AsCollection, "the parameters the last finite loss was computed at");
    }

    [Test]
    public void LossBeyondTheDivergenceLimit_StopsAndKeepsTheLastGoodParameters()
    {
        // Calls 0..2 are in range (at the parameters after 0..2 updates); call 3 returns a finite loss of about 1e9 >
        // TrainingLoop.DivergenceLimit (JEM's 1e8).
        using NeuralNetworkModel model = SmallMlp();
        using var loss = new RecordingLoss { HugeFromCall = 3 };
        using var sgd = new Sgd(model.Parameters(), lr: 1e-2f);
        float[]? afterTwoUpdates = null;
        var progress = new Recorder<TrainingProgress> { OnReport = p => { if (p.Step == 2) afterTwoUpdates = Flatten(model.Parameters()); } };
        TrainingLoopResult result = TrainingLoop.Run(model, loss, sgd, IndexRows(64), new TrainingLoopOptions { Steps = 20, BatchSize = 8 }, progress);

        Assert.That(result.DivergedAt, Is.EqualTo(3));
        Assert.That(result.Losses, Has.Count.EqualTo(3).And.All.LessThan(TrainingLoop.DivergenceLimit));
        Assert.That(Flatten(model.Parameters()), Is.EqualTo(afterTwoUpdates).AsCollection, "the parameters the last loss in range was computed at");
    }

    [Test]
    public void ContrastiveDivergence_ReportsHealthAtEveryEvaluation_AndOnlyThere()
    {
        using NeuralNetworkModel model = SmallMlp();
        var sampler = new LangevinDynamics(model, stepSize: 0.01f, noiseScale: 0.1f, seed: 1);
        using var cd = new ContrastiveDivergence(sampler, k: 2, batchSize: 8, persistent: true, bufferSize: 16, reinitFraction: 0f, seed: 2);
        using var adam = new Adam(model.Parameters(), lr: 1e-3f);
        var progress = new Recorder<TrainingProgress>();
        var evaluated = new List<TrainingHealth?>();
        TrainingLoopResult result = TrainingLoop.Run(model, cd, adam, IndexRows(64), new TrainingLoopOptions { Steps = 9, BatchSize = 8, EvalEvery = 4 },
            progress, evaluate: p => evaluated.Add(p.Health));

        Assert.That(result.Health.Select(h => h.Step), Is.EqualTo(new[] { 4, 8 }));
        Assert.That(progress.Reports.Select(p => p.Health?.Step), Is.EqualTo(new int?[] { null, null, null, 4, null, null, null, 8, null }));
        Assert.That(evaluated, Is.EqualTo(result.Health));
        // 16 buffer rows, 8 chains per call, no restarts: after 8 calls every row has run 4 calls of 2 steps.
        Assert.That(result.Health[1].BufferAge, Is.EqualTo(8f));
        Assert.That(result.ToString(), Does.Contain("9 steps").And.Contain("health at step 8: gap"));
    }

    [Test]
    public void Progress_IsReportedAfterEveryStep()
    {
        using NeuralNetworkModel model = SmallMlp();
        using var loss = new RecordingLoss();
        using var sgd = new Sgd(model.Parameters(), lr: 1e-3f);
        var progress = new Recorder<TrainingProgress>();
        TrainingLoopResult result = TrainingLoop.Run(model, loss, sgd, IndexRows(20), new TrainingLoopOptions { Steps = 7, BatchSize = 8 }, progress);

        List<TrainingProgress> reports = progress.Reports;
        Assert.That(reports.Select(p => p.Step), Is.EqualTo(new[] { 1, 2, 3, 4, 5, 6, 7 }));
        Assert.That(reports.Select(p => p.Steps), Is.All.EqualTo(7));
        Assert.That(reports.Select(p => p.Epoch), Is.EqualTo(new[] { 1, 1, 1, 2, 2, 2, 3 }), "3 steps per epoch of 20 rows");
        Assert.That(reports.Select(p => p.Loss), Is.EqualTo(result.Losses));
        Assert.That(reports.Select(p => p.Elapsed), Is.Ordered);
        Assert.That(reports[^1].Elapsed, Is.LessThanOrEqualTo(result.Elapsed));
        Assert.That(result.FinalLoss, Is.EqualTo(reports[^1].Loss));
    }

    [Test]
    public void Evaluation_RunsAfterEveryEvalEveryThStep()
    {
        using NeuralNetworkModel model = SmallMlp();
        using var loss = new RecordingLoss();
        using var sgd = new Sgd(model.Parameters(), lr: 1e-3f);
        var evaluated = new List<(int Step, int Calls)>();
        TrainingLoop.Run(model, loss, sgd, IndexRows(32), new TrainingLoopOptions { Steps = 10, BatchSize = 4, EvalEvery = 3 },
            evaluate: p => evaluated.Add((p.Step, loss.Calls)));
        Assert.That(evaluated, Is.EqualTo(new[] { (3, 3), (6, 6), (9, 9) }), "after steps 3, 6 and 9, before the next step");
    }

    // The user's data: a 2-D Gaussian blob (sd 0.3) centred at (3, 3), far from where the chains start (N(0, I)).
    private static readonly (float X, float Y) BlobMean = (3f, 3f);

    private static float[,] Blob(int n, int seed)
    {
        var random = new System.Random(seed);
        var data = new float[n, 2];
        for (int i = 0; i < n; i++)
        {
            double r = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())), a = 2 * Math.PI * random.NextDouble();
            data[i, 0] = BlobMean.X + (float)(0.3 * r * Math.Cos(a));
            data[i, 1] = BlobMean.Y + (float)(0.3 * r * Math.Sin(a));
        }
        return data;
    }

    private const int ChainSteps = 20;

    /// <summary>Trains a 2-32-32-1 MLP energy on the blob by short-run CD; returns its parameters; distance of sample mean to blob mean before/after.</summary>
    private float[] TrainBlob(int steps, long loopSeed, out (double Before, double After) distance)
    {
        using var model = new NeuralNetworkModel(new MLP(Device, 2, [32, 32], 1, Activation.SiLU, seed: 0));
        var sampler = new LangevinDynamics(model, stepSize: 0.1f, noiseScale: 0.1f, seed: 1);
        // Short-run CD: every negative chain starts from N(0, I) and takes ChainSteps Langevin steps.
        using var cd = new ContrastiveDivergence(sampler, k: ChainSteps, batchSize: 64, persistent: true, bufferSize: 64,
            reinitFraction: 1f, energyRegularization: 0.01f, seed: 2);
        using var adam = new Adam(model.Parameters(), lr: 3e-2f);
        double before = SampleDistance(sampler);
        TrainingLoopResult result = TrainingLoop.Run(model, cd, adam, Blob(512, seed: 5),
            new TrainingLoopOptions { Steps = steps, BatchSize = 64, Seed = loopSeed });
        Assert.That(result.Diverged, Is.False);
        distance = (before, SampleDistance(sampler));
        return Flatten(model.Parameters());
    }

    /// <summary>Distance from the blob's mean to the mean of 500 short-run samples (ChainSteps Langevin steps from N(0, I)).</summary>
    private static double SampleDistance(Sampler sampler)
    {
        using Tensor samples = sampler.Sample(dim: 2, nSteps: ChainSteps, nSamples: 500, new SampleOptions { Seed = 11 });
        float[] xy = samples.ToArray();
        double mx = 0, my = 0;
        for (int i = 0; i < xy.Length; i += 2) (mx, my) = (mx + xy[i], my + xy[i + 1]);
        mx /= xy.Length / 2;
        my /= xy.Length / 2;
        return Math.Sqrt((mx - BlobMean.X) * (mx - BlobMean.X) + (my - BlobMean.Y) * (my - BlobMean.Y));
    }

    [Test]
    public void MlpEnergy_TrainedOnAUsersArray_MovesSamplesTowardTheData()
    {
        TrainBlob(steps: 64, loopSeed: 0, out var distance);   // 8 epochs of the 512 rows
        TestContext.Out.WriteLine($"sample mean to data mean: before {distance.Before:F3}, after {distance.After:F3}");
        Assert.That(distance.Before, Is.GreaterThan(3), "untrained samples sit far from the blob");
        Assert.That(distance.After, Is.LessThan(distance.Before / 10), "training brings them ten times closer (measured: 0.03-0.1 over loop seeds 0-2)");
    }

    // Argument errors: each is thrown before the loop runs anything (the loss is never called, the parameters are untouched).

    private void AssertRejectedBeforeRunning<TException>(Func<NeuralNetworkModel, RecordingLoss, Sgd, TrainingLoopResult> run, string paramName)
        where TException : ArgumentException
    {
        using NeuralNetworkModel model = SmallMlp();
        using var loss = new RecordingLoss();
        using var sgd = new Sgd(model.Parameters(), lr: 1e-2f);
        float[] before = Flatten(model.Parameters());
        var e = Assert.Throws<TException>(() => run(model, loss, sgd));
        Assert.That(e!.ParamName, Is.EqualTo(paramName));
        Assert.That(loss.Calls, Is.Zero, "the loss was never called");
        Assert.That(Flatten(model.Parameters()), Is.EqualTo(before).AsCollection, "parameters untouched");
    }

    [Test]
    public void BatchSizeBelowOne_IsRejected() => AssertRejectedBeforeRunning<ArgumentOutOfRangeException>(
        (m, l, o) => TrainingLoop.Run(m, l, o, IndexRows(10), new TrainingLoopOptions { BatchSize = 0 }), "BatchSize");

    [Test]
    public void BatchSizeAboveTheRows_IsRejected() => AssertRejectedBeforeRunning<ArgumentOutOfRangeException>(
        (m, l, o) => TrainingLoop.Run(m, l, o, IndexRows(10), new TrainingLoopOptions { BatchSize = 11 }), "BatchSize");

    [Test]
    public void NonPersistentCdWithMoreChainsThanTheLastBatch_IsRejectedBeforeTraining()
    {
        using NeuralNetworkModel model = SmallMlp();
        var sampler = new LangevinDynamics(model, stepSize: 0.01f, seed: 1);
        using var loss = new ContrastiveDivergence(sampler, k: 1, batchSize: 4, persistent: false);
        using var sgd = new Sgd(model.Parameters(), lr: 1e-2f);
        float[] before = Flatten(model.Parameters());
        // 10 rows in batches of 4: the last batch has 2 rows, fewer than CD's 4 chains.
        var e = Assert.Throws<ArgumentException>(() => TrainingLoop.Run(model, loss, sgd, IndexRows(10), new TrainingLoopOptions { BatchSize = 4 }))!;
        Assert.That(e.ParamName, Is.EqualTo("data"));
        Assert.That(e.Message, Does.Contain("batches of 2 rows"));
        Assert.That(Flatten(model.Parameters()), Is.EqualTo(before).AsCollection, "parameters untouched");
        TrainingLoopResult result = TrainingLoop.Run(model, loss, sgd, IndexRows(10), new TrainingLoopOptions { BatchSize = 4, DropLast = true });
        Assert.That(result.Steps, Is.EqualTo(2));
    }

    [Test]
    public void DataOnAnotherDevice_IsRejected()
    {
        using Device other = Device.Create(DeviceKind.Cpu);
        using Tensor data = other.FromArray(IndexRows(10));
        AssertRejectedBeforeRunning<ArgumentException>((m, l, o) => TrainingLoop.Run(m, l, o, data, new TrainingLoopOptions { BatchSize = 2 }), "data");
    }

    [Test]
    public void DataOfAnotherDimension_IsRejected() => AssertRejectedBeforeRunning<ArgumentException>(
        (m, l, o) => TrainingLoop.Run(m, l, o, new float[10, 3], new TrainingLoopOptions { BatchSize = 2 }), "data");

    [Test]
    public void NonFiniteDeviceData_IsRejected()
    {
        float[,] rows = IndexRows(10);
        rows[7, 1] = float.NaN;
        using Tensor data = Device.FromArray(rows);
        AssertRejectedBeforeRunning<ArgumentException>((m, l, o) => TrainingLoop.Run(m, l, o, data, new TrainingLoopOptions { BatchSize = 2 }), "data");
    }

    [Test]
    public void NonFiniteHostData_IsRejected()
    {
        float[,] rows = IndexRows(10);
        rows[3, 0] = float.PositiveInfinity;
        AssertRejectedBeforeRunning<ArgumentException>((m, l, o) => TrainingLoop.Run(m, l, o, rows, new TrainingLoopOptions { BatchSize = 2 }), "data");
    }

    [Test]
    public void ModelWithoutParameters_IsRejected()
    {
        using var gaussian = new GaussianModel(Device, mean: [0f, 0f], cov: new float[,] { { 1, 0 }, { 0, 1 } });
        AssertRejectedBeforeRunning<ArgumentException>(
            (_, l, o) => TrainingLoop.Run(gaussian, l, o, IndexRows(10), new TrainingLoopOptions { BatchSize = 2 }), "model");
    }

    [Test]
    public void OptimizerOfAnotherModel_IsRejected()
    {
        using NeuralNetworkModel other = SmallMlp(seed: 1);
        AssertRejectedBeforeRunning<ArgumentException>(
            (_, l, o) => TrainingLoop.Run(other, l, o, IndexRows(10), new TrainingLoopOptions { BatchSize = 2 }), "optimizer");
    }

    [TestCase("model")]
    [TestCase("loss")]
    [TestCase("optimizer")]
    [TestCase("data")]
    [TestCase("options")]
    public void NullArgument_IsRejected(string name) => AssertRejectedBeforeRunning<ArgumentNullException>((m, l, o) =>
    {
        var options = new TrainingLoopOptions { BatchSize = 2 };
        return TrainingLoop.Run(name == "model" ? null! : m, name == "loss" ? null! : l, name == "optimizer" ? null! : o,
            name == "data" ? (float[,])null! : IndexRows(10), name == "options" ? null! : options);
    }, name);
}

using TorchEbm.Autodiff;
using TorchEbm.Datasets;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;
using TorchEbm.Samplers;
using TorchEbm.Training;

namespace TorchEbm.Tests.Training;

/// <summary>
/// <see cref="TrainingLoopOptions.Replicas"/> without MPI: two replicas on two threads (each its own device), summing
/// through shared memory, end within float32 reduction-order tolerance of one replica with the same global batch, for CD
/// and persistent CD; bad splits are refused before any step.
/// </summary>
public sealed class DataParallelTests
{
    private const int Steps = 30, Batch = 64;

    /// <summary>
    /// Derived as in the multi-rank tests (MultiRankTests.Tolerance): rounding of sqrt(128) u = 7e-7 per gradient sum,
    /// times the cancellation kappa, moves an Adam step by about 2 lr 7e-7 kappa = 4e-9 kappa; over 30 steps 1.3e-7 kappa,
    /// so 1e-5 allows kappa up to 75. (Measured: 3.1e-7 persistent, 2.0e-6 from the data.)
    /// </summary>
    private const float Tolerance = 1e-5f;

    /// <summary>Replicas on threads: each deposits its values, waits for all, and sums all deposits in rank order.</summary>
    private sealed class ThreadGroup(int size)
    {
        private readonly Barrier _barrier = new(size);
        private readonly float[][] _deposits = new float[size][];

        public IReplicaGroup Replica(int rank) => new Member(this, rank);

        private sealed class Member(ThreadGroup group, int rank) : IReplicaGroup
        {
            public int Rank => rank;

            public int Size => group._deposits.Length;

            public void SumInPlace(float[] values)
            {
                group._deposits[rank] = (float[])values.Clone();
                group._barrier.SignalAndWait();
                for (int i = 0; i < values.Length; i++)
                {
                    float sum = 0f;
                    for (int r = 0; r < Size; r++) sum += group._deposits[r][i];
                    values[i] = sum;
                }
                group._barrier.SignalAndWait(); // nobody deposits the next step's values before everyone has summed
            }
        }
    }

    /// <summary>One replica's run: its own device, data, model, sampler, loss and optimizer; returns the final parameters.</summary>
    private static float[] Train(bool persistent, IReplicaGroup? replicas)
    {
        using Device device = Device.Create(DeviceKind.Cpu);
        using Tensor data = SyntheticDatasets.Create("eight-gaussians", device, 1000, seed: 1);
        using var model = new NeuralNetworkModel(new MLP(device, 2, [16, 16], 1, Activation.SiLU, seed: 2));
        var sampler = new LangevinDynamics(model, 0.01f, 0.1f, seed: 3);
        // 300 rows: the ring restarts at row 0 after four calls of 64 chains. The energy penalty gives the output bias a
        // gradient: without it that gradient is exactly 0 (mean 1 - mean 1), i.e. rounding noise, which Adam's
        // normalised step turns into steps of up to lr in either direction, so no tolerance below lr would hold.
        using var loss = new ContrastiveDivergence(sampler, k: 5, batchSize: Batch, persistent: persistent, bufferSize: 300,
            energyRegularization: 0.1f, seed: 4);
        using var adam = new Adam(model.Parameters(), lr: 3e-3f);
        var options = new TrainingLoopOptions { Steps = Steps, BatchSize = Batch, DropLast = true, Seed = 5, Replicas = replicas };
        TrainingLoopResult result = TrainingLoop.Run(model, loss, adam, data, options);
        Assert.That(result.Steps, Is.EqualTo(Steps));
        return [.. model.Parameters().SelectMany(p => p.Value.ToArray())];
    }

    [TestCase(true)]
    [TestCase(false)]
    public void TwoReplicas_EndWithinFloat32ReductionToleranceOfOne(bool persistent)
    {
        float[] one = Train(persistent, null);
        var group = new ThreadGroup(2);
        Task<float[]>[] replicas = [.. Enumerable.Range(0, 2).Select(rank => Task.Factory.StartNew(() => Train(persistent, group.Replica(rank)),
            TaskCreationOptions.LongRunning))];
        Assert.That(Task.WaitAll(replicas, TimeSpan.FromMinutes(3)), Is.True, "replicas finished");
        Assert.That(replicas[1].Result, Is.EqualTo(replicas[0].Result), "every replica takes the same steps");
        float largest = one.Zip(replicas[0].Result, (a, b) => Math.Abs(a - b)).Max();
        Assert.That(largest, Is.LessThanOrEqualTo(Tolerance));
        TestContext.Out.WriteLine($"largest parameter difference after {Steps} steps: {largest:E2}");
    }

    /// <summary>A group that is never summed over: the checks run before the first step.</summary>
    private sealed record FixedGroup(int Rank, int Size) : IReplicaGroup
    {
        public void SumInPlace(float[] values) => Assert.Fail("no step should run");
    }

    private static void Run(BaseLoss? customLoss, IReplicaGroup replicas, int batch = Batch, bool dropLast = true)
    {
        using Device device = Device.Create(DeviceKind.Cpu);
        using Tensor data = SyntheticDatasets.Create("eight-gaussians", device, 1000, seed: 1);
        using var model = new NeuralNetworkModel(new MLP(device, 2, [8], 1, Activation.SiLU, seed: 2));
        using BaseLoss loss = customLoss ?? new ContrastiveDivergence(new LangevinDynamics(model, 0.01f, seed: 3), k: 1, persistent: false);
        using var adam = new Adam(model.Parameters(), lr: 1e-3f);
        TrainingLoop.Run(model, loss, adam, data, new TrainingLoopOptions { Steps = 2, BatchSize = batch, DropLast = dropLast, Replicas = replicas });
    }

    [Test]
    public void MoreReplicasThanTheBatch_Throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Run(null, new FixedGroup(0, 3), batch: 2));
        Assert.That(e!.ParamName, Is.EqualTo(nameof(TrainingLoopOptions.BatchSize)));
    }

    [TestCase(-1, 2)]
    [TestCase(2, 2)]
    [TestCase(0, 0)]
    public void RankOutsideTheGroup_Throws(int rank, int size)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Run(null, new FixedGroup(rank, size)));
        Assert.That(e!.ParamName, Is.EqualTo(nameof(TrainingLoopOptions.Replicas)));
    }

    [Test]
    public void ScoreMatching_CannotBeSplit_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Run(new ScoreMatching(), new FixedGroup(0, 2)));
        Assert.That(e!.ParamName, Is.EqualTo("loss"));
    }

    [Test]
    public void CdWithFewerChainsThanTheBatch_Throws()
    {
        using Device device = Device.Create(DeviceKind.Cpu);
        using var model = new NeuralNetworkModel(new MLP(device, 2, [8], 1, Activation.SiLU, seed: 2));
        var e = Assert.Throws<ArgumentException>(() =>
            Run(new ContrastiveDivergence(new LangevinDynamics(model, 0.01f), k: 1, batchSize: Batch / 2), new FixedGroup(0, 2)));
        Assert.That(e!.Message, Does.Contain("one chain per row"));
    }

    [Test]
    public void LastBatchSmallerThanTheReplicas_Throws()
    {
        // 1000 rows in batches of 333: the last has 1 row, fewer than 2 replicas.
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Run(null, new FixedGroup(0, 2), batch: 333, dropLast: false));
        Assert.That(e!.ParamName, Is.EqualTo(nameof(TrainingLoopOptions.DropLast)));
    }
}

namespace TorchEbm.Training;

/// <summary>Settings of a contrastive-divergence training run (<see cref="Trainer"/>); the defaults are the `torchebm train` defaults.</summary>
public sealed record TrainingOptions
{
    /// <summary>Synthetic data set name (see <see cref="Datasets.SyntheticDatasets.Names"/>).</summary>
    public string Dataset { get; init; } = "eight-gaussians";

    /// <summary>Rows of training data drawn once at the start.</summary>
    public int DataSize { get; init; } = 20000;

    /// <summary>Optimizer steps.</summary>
    public int Steps { get; init; } = 900;

    /// <summary>Data rows per step (also the number of negative chains).</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Langevin steps per CD step.</summary>
    public int K { get; init; } = 20;

    /// <summary>Persistent CD (a replay buffer) instead of chains started at the data.</summary>
    public bool Persistent { get; init; } = true;

    /// <summary>Adam learning rate.</summary>
    public float Lr { get; init; } = 1e-3f;

    /// <summary>Hidden layer widths of the MLP energy.</summary>
    public IReadOnlyList<int> Hidden { get; init; } = [32, 32];

    /// <summary>Seed of the data, the network's initial weights and every chain.</summary>
    public long Seed { get; init; } = 0;

    /// <summary>Langevin step size of training and of the final samples.</summary>
    public float StepSize { get; init; } = 0.1f;

    /// <summary>Langevin noise scale (the chains target exp(-E / s^2)).</summary>
    public float NoiseScale { get; init; } = 0.05f;

    /// <summary>Weight of the energy-magnitude penalty of the CD loss.</summary>
    public float EnergyRegularization { get; init; } = 0.1f;

    /// <summary>Replay buffer rows (persistent CD).</summary>
    public int BufferSize { get; init; } = 10000;

    /// <summary>
    /// Fraction of persistent chains restarted from N(0, I) per step. The default 1 restarts every chain: short-run
    /// training (Nijkamp et al., 2019), where the model learns to shape K Langevin steps from noise into the data, so
    /// the final samples use the same K steps. Lower it (e.g. 0.05) for classic persistent CD with long-run chains.
    /// </summary>
    public float ReinitFraction { get; init; } = 1f;

    /// <summary>Model samples and held-out data rows the final MMD compares.</summary>
    public int EvalSamples { get; init; } = 1000;

    /// <summary>Langevin steps from N(0, I) for the final model samples; null uses <see cref="K"/> (right for short-run training).</summary>
    public int? EvalSteps { get; init; }

    /// <summary>Checks every value; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (!Datasets.SyntheticDatasets.Names.Contains(Dataset))
            throw new ArgumentException($"Unknown data set '{Dataset}'; choose one of {string.Join(", ", Datasets.SyntheticDatasets.Names)}.", nameof(Dataset));
        ArgumentOutOfRangeException.ThrowIfLessThan(Steps, 1, nameof(Steps));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(DataSize, BatchSize, nameof(DataSize));
        ArgumentOutOfRangeException.ThrowIfNegative(K, nameof(K));
        if (Hidden.Count == 0 || Hidden.Any(h => h < 1)) throw new ArgumentException("Hidden needs at least one width, each >= 1.", nameof(Hidden));
        Guard.PositiveFinite(Lr, nameof(Lr));
        Guard.PositiveFinite(StepSize, nameof(StepSize));
        Guard.NonNegativeFinite(NoiseScale, nameof(NoiseScale));
        Guard.NonNegativeFinite(EnergyRegularization, nameof(EnergyRegularization));
        ArgumentOutOfRangeException.ThrowIfLessThan(BufferSize, Persistent ? BatchSize : 1, nameof(BufferSize));
        if (!(ReinitFraction >= 0f && ReinitFraction <= 1f))
            throw new ArgumentOutOfRangeException(nameof(ReinitFraction), ReinitFraction, "ReinitFraction must be in [0, 1].");
        ArgumentOutOfRangeException.ThrowIfLessThan(EvalSamples, 2, nameof(EvalSamples));
        if (EvalSteps is int e) ArgumentOutOfRangeException.ThrowIfNegative(e, nameof(EvalSteps));
    }
}

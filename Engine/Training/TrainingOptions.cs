namespace TorchEbm.Training;

/// <summary>Settings of a training run (<see cref="Trainer"/>); the defaults are the `torchebm train` defaults.</summary>
public sealed record TrainingOptions
{
    /// <summary>The names <see cref="Loss"/> accepts.</summary>
    public static IReadOnlyList<string> Losses { get; } = ["cd", "sm", "ssm", "dsm", "eqm", "em"];

    /// <summary>
    /// The objective: "cd" contrastive divergence (the default), "sm" score matching with the exact Hessian trace, "ssm"
    /// sliced score matching (<see cref="Projections"/> Rademacher projections, variance-reduced), "dsm" denoising score
    /// matching at noise <see cref="Sigma"/>, "eqm" equilibrium matching (explicit, the MLP's output as the energy; the
    /// final samples descend the energy's gradient, <see cref="SampleNoiseScale"/> 0), "em" energy matching (exact-OT flow
    /// matching for the first <see cref="FlowSteps"/> steps, then with its contrastive term; the final samples are Langevin
    /// chains under its temperature sweep). K, Persistent, BufferSize, ReinitFraction and EnergyRegularization are CD's
    /// only: the score-matching losses draw no chains while training.
    /// </summary>
    public string Loss { get; init; } = "cd";

    /// <summary>
    /// Noise scale of denoising score matching: the model learns the data smoothed by N(0, Sigma^2 I). The default 0.2 is
    /// measured on the default data set (eight Gaussians of sd 0.02, neighbouring modes 1.53 apart): the smoothed data
    /// then reach between the modes, so the learned energy leads chains from N(0, I) into every well, while the modes
    /// stay 7.7 sigma apart; at 0.05 to 0.1 some wells drew a quarter of their share or less, depending on the seed.
    /// Each learned well is about sqrt(sd^2 + Sigma^2) wide; samples at noise scale s &lt; 1 narrow it by s.
    /// </summary>
    public float Sigma { get; init; } = 0.2f;

    /// <summary>
    /// Standard deviation of Gaussian noise added afresh to every training batch, whatever the loss (0, the default: none):
    /// the model then learns the data smoothed by N(0, DataNoise^2 I). Score matching (sm, ssm) learns a density's score
    /// only where there are data, so on data made of separate narrow parts it leaves the energy between them, and with
    /// it which well a chain from noise falls into, to the network's extrapolation; noise that reaches across the gaps
    /// fixes that (Song and Ermon 2019). On the noisy batch sm and ssm minimise dsm's objective at sigma = DataNoise up
    /// to a constant (Vincent 2011).
    /// </summary>
    public float DataNoise { get; init; }

    /// <summary>
    /// Energy matching's phase one: steps of flow matching alone before the contrastive term joins (null: half the steps).
    /// </summary>
    public int? FlowSteps { get; init; }

    /// <summary>Langevin steps of energy matching's negative chains and of its final samples (one temperature sweep).</summary>
    public int SweepSteps { get; init; } = 200;

    /// <summary>Random projections per sample and step of sliced score matching.</summary>
    public int Projections { get; init; } = 1;

    /// <summary>Synthetic data set name (see <see cref="Datasets.SyntheticDatasets.Names"/>).</summary>
    public string Dataset { get; init; } = "eight-gaussians";

    /// <summary>Rows of training data drawn once at the start.</summary>
    public int DataSize { get; init; } = 20000;

    /// <summary>Optimizer steps.</summary>
    public int Steps { get; init; } = 1500;

    /// <summary>Data rows per step (for CD also the number of negative chains).</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Langevin steps per CD step, at most <see cref="Checkpoints.SamplerSettings.MaxSteps"/>.</summary>
    public int K { get; init; } = 10;

    /// <summary>Persistent CD (a replay buffer) instead of chains started at the data.</summary>
    public bool Persistent { get; init; } = true;

    /// <summary>Adam learning rate.</summary>
    public float Lr { get; init; } = 3e-3f;

    /// <summary>
    /// Factor on the first layer's initial weight and bias (PyTorch's initialisation times this). Above 1 each first-layer
    /// unit starts as a sharper ridge at the same place, so the network can carve narrow wells sooner: at PyTorch's
    /// scale (1) the defaults' network often learns only the ring through the eight Gaussians' modes.
    /// </summary>
    public float InputGain { get; init; } = 2f;

    /// <summary>Hidden layer widths of the MLP energy.</summary>
    public IReadOnlyList<int> Hidden { get; init; } = [64, 64];

    /// <summary>Seed of the data, the network's initial weights and every chain.</summary>
    public long Seed { get; init; } = 0;

    /// <summary>Langevin step size of CD's training chains and of the final samples.</summary>
    public float StepSize { get; init; } = 0.01f;

    /// <summary>
    /// Langevin noise scale (the chains target exp(-E / s^2)). A score-matching model's E is the (smoothed) data's
    /// -log p: 1 samples what it learned, and s &lt; 1 sharpens each well by the factor s.
    /// </summary>
    public float NoiseScale { get; init; } = 0.1f;

    /// <summary>Weight of the energy-magnitude penalty of the CD loss.</summary>
    public float EnergyRegularization { get; init; } = 0.1f;

    /// <summary>Replay buffer rows (persistent CD).</summary>
    public int BufferSize { get; init; } = 10000;

    /// <summary>
    /// Fraction of persistent chains restarted from N(0, I) per step. The default 0.05 is classic persistent CD: chains
    /// live for many steps, so the model is trained against long-run samples and its wells sit at the data's modes.
    /// 1 restarts every chain (short-run training, Nijkamp et al. 2019: the model learns to shape K steps from noise
    /// into the data; then set <see cref="EvalSteps"/> to K).
    /// </summary>
    public float ReinitFraction { get; init; } = 0.05f;

    /// <summary>Model samples and held-out data rows the final MMD compares.</summary>
    public int EvalSamples { get; init; } = 1000;

    /// <summary>
    /// Langevin steps from N(0, I) for the final model samples; null (the default) uses <see cref="ChainLifetime"/> for
    /// CD, so the samples run as long as the chains the model was trained against, and
    /// <see cref="ScoreMatchingSampleSteps"/> for the score-matching losses. At most <see cref="Checkpoints.SamplerSettings.MaxSteps"/>.
    /// </summary>
    public int? EvalSteps { get; init; }

    /// <summary>
    /// The final samples' default length for the score-matching losses, which train against no chains: 200 steps of the
    /// default size 0.01 (time 2) take chains from N(0, I) into wells a couple of units away.
    /// </summary>
    public const int ScoreMatchingSampleSteps = 200;

    /// <summary>
    /// CD only: how many Langevin steps a training chain runs on average before it is restarted: K / ReinitFraction for
    /// persistent CD (K for short-run training; with ReinitFraction 0, the steps each buffer row gets over the whole
    /// run), and K for CD from the data; at most <see cref="Checkpoints.SamplerSettings.MaxSteps"/>, as a model card holds.
    /// </summary>
    public int ChainLifetime => !Persistent ? K
        : ReinitFraction > 0f ? (int)Math.Min(Checkpoints.SamplerSettings.MaxSteps, Math.Round(K / (double)ReinitFraction))
        : (int)Math.Min(Checkpoints.SamplerSettings.MaxSteps, K * Math.Ceiling((double)Steps * BatchSize / BufferSize));

    /// <summary>
    /// The Langevin steps of the final samples: <see cref="EvalSteps"/>, or when it is null <see cref="ChainLifetime"/>
    /// (cd), <see cref="EquilibriumSampleSteps"/> (eqm) or <see cref="ScoreMatchingSampleSteps"/> (the others).
    /// </summary>
    public int SampleSteps => EvalSteps ?? Loss switch
    {
        "cd" => ChainLifetime,
        "eqm" => EquilibriumSampleSteps,
        "em" => SweepSteps,
        _ => ScoreMatchingSampleSteps,
    };

    /// <summary>
    /// The final samples' default length for "eqm": 1000 gradient-descent steps of the default size 0.01. Descent from
    /// N(0, I) first reaches the ring through the eight modes (after about 200 steps), then slides along it into the
    /// wells, where the learned gradient is small.
    /// </summary>
    public const int EquilibriumSampleSteps = 1000;

    /// <summary>
    /// The Langevin noise scale of the final samples (and of the checkpoint's sampler settings): <see cref="NoiseScale"/>,
    /// except for "eqm", whose samples are drawn by gradient descent on the learned energy (<see cref="Samplers.GradientDescentSampler"/>,
    /// Langevin at noise 0, as the checkpoint records it), as equilibrium
    /// matching samples (Wang et al. 2025): its energy is not a log density, only its minima are the data. For "em" the
    /// final samples follow energy matching's temperature sweep with its plateau at NoiseScale^2 (noise scale NoiseScale at
    /// the end), and the checkpoint holds NoiseScale.
    /// </summary>
    public float SampleNoiseScale => Loss == "eqm" ? 0f : NoiseScale;

    /// <summary>Energy matching's plateau temperature epsilonMax (the paper's 0.15).</summary>
    public const float EnergyMatchingTemperature = 0.15f;

    /// <summary>Checks every value; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (!Datasets.SyntheticDatasets.Names.Contains(Dataset))
            throw new ArgumentException($"Unknown data set '{Dataset}'; choose one of {string.Join(", ", Datasets.SyntheticDatasets.Names)}.", nameof(Dataset));
        if (!Losses.Contains(Loss))
            throw new ArgumentException($"Unknown loss '{Loss}'; choose one of {string.Join(", ", Losses)}.", nameof(Loss));
        Check.PositiveFinite(Sigma, nameof(Sigma));
        Check.NonNegativeFinite(DataNoise, nameof(DataNoise));
        ArgumentOutOfRangeException.ThrowIfLessThan(Projections, 1, nameof(Projections));
        if (FlowSteps is int f) ArgumentOutOfRangeException.ThrowIfNegative(f, nameof(FlowSteps));
        ArgumentOutOfRangeException.ThrowIfLessThan(SweepSteps, 1, nameof(SweepSteps));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SweepSteps, Checkpoints.SamplerSettings.MaxSteps, nameof(SweepSteps));
        ArgumentOutOfRangeException.ThrowIfLessThan(Steps, 1, nameof(Steps));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(DataSize, BatchSize, nameof(DataSize));
        ArgumentOutOfRangeException.ThrowIfNegative(K, nameof(K));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(K, Checkpoints.SamplerSettings.MaxSteps, nameof(K));
        if (Hidden.Count == 0 || Hidden.Any(h => h < 1)) throw new ArgumentException("Hidden needs at least one width, each >= 1.", nameof(Hidden));
        Check.PositiveFinite(Lr, nameof(Lr));
        Check.PositiveFinite(InputGain, nameof(InputGain));
        Check.PositiveFinite(StepSize, nameof(StepSize));
        Check.NonNegativeFinite(NoiseScale, nameof(NoiseScale));
        Check.NonNegativeFinite(EnergyRegularization, nameof(EnergyRegularization));
        ArgumentOutOfRangeException.ThrowIfLessThan(BufferSize, Persistent ? BatchSize : 1, nameof(BufferSize));
        Check.UnitInterval(ReinitFraction, includeOne: true, nameof(ReinitFraction));
        ArgumentOutOfRangeException.ThrowIfLessThan(EvalSamples, 2, nameof(EvalSamples));
        if (EvalSteps is int e)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(e, nameof(EvalSteps));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(e, Checkpoints.SamplerSettings.MaxSteps, nameof(EvalSteps));
        }
    }
}

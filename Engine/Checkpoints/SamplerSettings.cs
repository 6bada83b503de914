namespace TorchEbm.Checkpoints;

/// <summary>
/// The Langevin settings a model is meant to be sampled with (usually those it was trained with), kept in its
/// checkpoint's model card so a later run can sample it from the file alone.
/// </summary>
public sealed record SamplerSettings
{
    /// <summary>Creates the settings.</summary>
    /// <param name="stepSize">Langevin step size h &gt; 0.</param>
    /// <param name="noiseScale">Langevin noise scale s &gt;= 0.</param>
    /// <param name="steps">Langevin steps from N(0, I) that give a sample, from 0 to <see cref="MaxSteps"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="stepSize"/> is not positive and finite, <paramref name="noiseScale"/> is negative or not
    /// finite, or <paramref name="steps"/> is negative or above <see cref="MaxSteps"/>.
    /// </exception>
    public SamplerSettings(float stepSize, float noiseScale, int steps)
    {
        Check.PositiveFinite(stepSize, nameof(stepSize));
        Check.NonNegativeFinite(noiseScale, nameof(noiseScale));
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(steps, MaxSteps);
        StepSize = stepSize;
        NoiseScale = noiseScale;
        Steps = steps;
    }

    /// <summary>
    /// Most steps a card may ask for (2^20, as <see cref="Samplers.SampleOptions.MaxWarmupSteps"/>): the sample command runs
    /// them by default, and a count read from a file must not mean hours of work.
    /// </summary>
    public const int MaxSteps = 1 << 20;

    /// <summary>Langevin step size h.</summary>
    public float StepSize { get; }

    /// <summary>Langevin noise scale s (samples exp(-E / s^2)).</summary>
    public float NoiseScale { get; }

    /// <summary>Langevin steps from N(0, I) that give a sample.</summary>
    public int Steps { get; }
}

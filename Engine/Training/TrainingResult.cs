using System.Globalization;
using TorchEbm.Models;

namespace TorchEbm.Training;

/// <summary>What a training run produced. Dispose it to free the model and the tensors.</summary>
/// <param name="Model">The trained energy model (the last parameters that gave a finite loss).</param>
/// <param name="Losses">The loss of every completed step.</param>
/// <param name="Data">Training data (DataSize, 2).</param>
/// <param name="HeldOut">Held-out data (EvalSamples, 2), drawn with another seed.</param>
/// <param name="Samples">Model samples (EvalSamples, 2): Langevin from N(0, I) for the options' SampleSteps steps.</param>
/// <param name="NullMmds">MMD^2 between independent fresh draws of the data set and <paramref name="HeldOut"/> (same
/// bandwidth): what a perfect model would score, i.e. the estimator's noise.</param>
/// <param name="Scales">MMD^2 at the median-heuristic bandwidth and its halvings, each with its null draws' mean and sd.</param>
/// <param name="Seconds">Wall time of the training steps.</param>
/// <param name="DivergedAt">The step whose loss (or energy at a health measurement) was not finite or beyond
/// <see cref="TrainingLoop.DivergenceLimit"/> in magnitude (training stopped there), or null.</param>
public sealed record TrainingResult(
    NeuralNetworkModel Model, IReadOnlyList<float> Losses, Tensor Data, Tensor HeldOut, Tensor Samples,
    IReadOnlyList<float> NullMmds, IReadOnlyList<MmdScale> Scales, double Seconds, int? DivergedAt) : IDisposable
{
    /// <summary>The run's health at every tenth of its steps (CD only; empty for the score-matching losses).</summary>
    public IReadOnlyList<TrainingHealth> Health { get; init; } = [];

    /// <summary>Unbiased MMD^2 between <see cref="Samples"/> and <see cref="HeldOut"/> at the median-heuristic bandwidth.</summary>
    public float Mmd => Scales[0].Model;

    /// <summary>The first null draw: MMD^2 between two independent draws of the data.</summary>
    public float DataMmd => NullMmds[0];

    /// <summary>Standard deviation of the null draws (at the median-heuristic bandwidth).</summary>
    public float NullStd => Scales[0].NullStd;

    /// <summary>
    /// The quality bar at the median-heuristic bandwidth (<see cref="MmdScale.Within"/>): MMD^2 within 3x the mean of the
    /// null draws plus a floor of three null standard deviations (a perfect model's MMD^2 is itself a null draw, so it
    /// stays under the floor about 99.9% of the time).
    /// </summary>
    public bool MatchesData => Scales[0].Within;

    /// <summary>
    /// One line with the numbers, e.g. "TrainingResult: 1500 steps in 95.2 s, final loss -0.0021, MMD^2 1.2e-3 (data draws
    /// 9.8e-4 +- 2.1e-4: within), health at step 1500: gap ...".
    /// </summary>
    public override string ToString()
    {
        string text = string.Create(CultureInfo.InvariantCulture,
            $"TrainingResult: {Losses.Count} steps in {Seconds:F1} s, final loss {(Losses.Count > 0 ? Losses[^1] : float.NaN):G4}, " +
            $"MMD^2 {Mmd:G3} (data draws {Scales[0].NullMean:G3} +- {NullStd:G2}: {(MatchesData ? "within" : "not within")})");
        if (DivergedAt is int at) text += $", diverged at step {at}";
        if (Health.Count > 0) text += $", health at step {Health[^1].Step}: {Health[^1]}";
        return text;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Model.Dispose();
        Data.Dispose();
        HeldOut.Dispose();
        Samples.Dispose();
    }
}

using System.Globalization;

namespace TorchEbm.Training;

/// <summary>
/// How a contrastive-divergence run looks at one evaluation (<see cref="Losses.ContrastiveDivergence.Health"/>): the
/// energies of a data batch and of the last negatives, the replay buffer, and how far the negatives are from the
/// sampler's equilibrium. Read it as a doctor reads a chart: a gap that runs away from 0, energies growing without bound,
/// a buffer whose spread drifts far from the data's, or a probe acceptance far outside 0.5 - 0.9 each point at a run
/// that is going wrong before its samples show it.
/// </summary>
/// <param name="Step">The training step it was measured at (counting from 1; 0 when measured outside a loop).</param>
/// <param name="DataEnergy">Mean E over the data batch.</param>
/// <param name="NegativeEnergy">Mean E over the negatives of the last call.</param>
/// <param name="RmsEnergy">Root mean square of E over the data batch and the negatives together: the magnitude the
/// energy regulariser w (mean E(data)^2 + mean E(neg)^2) holds down.</param>
/// <param name="MaxAbsEnergy">Largest |E| over the data batch and the negatives (infinity when any is not finite).</param>
/// <param name="DataSpread">RMS distance of the data batch's rows from their mean.</param>
/// <param name="NegativeSpread">RMS distance of the negatives from their mean.</param>
/// <param name="BufferAge">Persistent CD: mean over the replay buffer's rows of the sampler steps each has run since it last
/// started from noise, over the rows this loss has advanced at least once (a data-parallel replica advances only its
/// chains' rows); null without a buffer.</param>
/// <param name="BufferSpread">Persistent CD: RMS distance of the replay buffer's rows from their mean; null without a buffer.</param>
/// <param name="ProbeAcceptance">Mean Metropolis-Hastings acceptance probability of one proposal of the training sampler
/// (its step size and noise scale at step 0) from each negative, for the target exp(-E / noiseScale^2): near 1 when the
/// sampler's steps are small for the energy's curvature, low when the negatives sit where the unadjusted chains are far
/// from that target; null when the sampler is not Langevin dynamics or MALA.</param>
public sealed record TrainingHealth(
    int Step, float DataEnergy, float NegativeEnergy, float RmsEnergy, float MaxAbsEnergy, float DataSpread, float NegativeSpread,
    float? BufferAge, float? BufferSpread, float? ProbeAcceptance)
{
    /// <summary>mean E(data) - mean E(negatives): the CD loss without its regulariser. Near 0 when the sampler reaches the
    /// data; strongly negative while the model still separates data from its own samples.</summary>
    public float EnergyGap => DataEnergy - NegativeEnergy;

    /// <summary>Whether every energy is finite and at most <paramref name="limit"/> in magnitude.</summary>
    public bool EnergiesWithin(float limit) => MaxAbsEnergy <= limit; // false for NaN and infinity

    /// <summary>One line, e.g. "gap -0.012, |E| rms 0.31 max 0.9, spread 1.40 (data 1.21), buffer age 120 spread 1.38, probe acceptance 0.74".</summary>
    public override string ToString()
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"gap {EnergyGap:G3}, |E| rms {RmsEnergy:G3} max {MaxAbsEnergy:G3}, spread {NegativeSpread:F2} (data {DataSpread:F2})");
        if (BufferAge is float age) text += string.Create(CultureInfo.InvariantCulture, $", buffer age {age:F0} spread {BufferSpread:F2}");
        if (ProbeAcceptance is float a) text += string.Create(CultureInfo.InvariantCulture, $", probe acceptance {a:F2}");
        return text;
    }
}

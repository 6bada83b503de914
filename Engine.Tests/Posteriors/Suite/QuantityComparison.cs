namespace TorchEbm.Tests.Posteriors;

/// <summary>
/// One quantity of a run against the reference: the run's mean and sd with their Monte Carlo standard errors, and the
/// z-scores (run - reference) / sqrt(MCSE_run^2 + MCSE_reference^2) of the mean and of the sd.
/// </summary>
public sealed record QuantityComparison(string Name, double Mean, double McseMean, double Sd, double McseSd, ReferenceQuantity Reference,
    double BulkEss, double RHat)
{
    /// <summary>z-score of the mean.</summary>
    public double ZMean => (Mean - Reference.Mean) / Math.Sqrt(McseMean * McseMean + Reference.McseMean * Reference.McseMean);

    /// <summary>z-score of the sd.</summary>
    public double ZSd => (Sd - Reference.Sd) / Math.Sqrt(McseSd * McseSd + Reference.McseSd * Reference.McseSd);

    /// <inheritdoc />
    public override string ToString() =>
        $"{Name,-10} mean {Mean,10:G5} ± {McseMean:G2} (ref {Reference.Mean:G5}, z {ZMean,6:F2})  sd {Sd,9:G4} ± {McseSd:G2} (ref {Reference.Sd:G4}, z {ZSd,6:F2})  bulk-ESS {BulkEss:F0}  R-hat {RHat:F3}";
}

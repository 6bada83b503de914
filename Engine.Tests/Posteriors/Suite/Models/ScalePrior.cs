namespace TorchEbm.Tests.Posteriors;

/// <summary>The prior of a regression's noise scale sigma &gt; 0 (Stan drops its constants, and so does the energy).</summary>
/// <param name="Kind">Flat (no prior statement), Cauchy (half-Cauchy(0, Scale)) or Normal (half-normal(0, Scale)).</param>
/// <param name="Scale">The prior's scale (ignored when flat).</param>
public readonly record struct ScalePrior(ScalePriorKind Kind, double Scale = 1)
{
    /// <summary>No prior statement: flat on sigma.</summary>
    public static ScalePrior Flat => new(ScalePriorKind.Flat);
}

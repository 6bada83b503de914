namespace TorchEbm.Tests.Posteriors;

/// <summary>The family of a <see cref="ScalePrior"/>.</summary>
public enum ScalePriorKind
{
    /// <summary>Flat on sigma &gt; 0.</summary>
    Flat,

    /// <summary>sigma ~ cauchy(0, scale).</summary>
    Cauchy,

    /// <summary>sigma ~ normal(0, scale).</summary>
    Normal,
}

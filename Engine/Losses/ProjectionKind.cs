namespace TorchEbm.Losses;

/// <summary>The distribution of the random projections v of <see cref="SlicedScoreMatching"/>; each has E[v v^T] = I.</summary>
public enum ProjectionKind
{
    /// <summary>Entries +1 or -1 with probability 1/2 (the lowest-variance choice for the trace term).</summary>
    Rademacher,

    /// <summary>Standard normal entries.</summary>
    Gaussian,

    /// <summary>Uniform on the sphere of radius sqrt(d).</summary>
    Sphere,
}

namespace TorchEbm.Losses;

/// <summary>How <see cref="ScoreMatching"/> computes the trace of d2E/dx2.</summary>
public enum HessianTrace
{
    /// <summary>Exactly: d Hessian-vector products with the basis vectors (a create-graph backward per dimension).</summary>
    Exact,

    /// <summary>Hutchinson's estimate: the mean of v . H v over Rademacher probes v (a backward per probe, unbiased).</summary>
    Hutchinson,
}

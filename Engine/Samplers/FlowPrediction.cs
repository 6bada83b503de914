namespace TorchEbm.Samplers;

/// <summary>What a <see cref="FlowSampler"/>'s model predicts at (x, t) (TorchEBM's <c>prediction</c>).</summary>
public enum FlowPrediction
{
    /// <summary>The velocity v(x, t) of the probability path (flow matching, rectified flow).</summary>
    Velocity,

    /// <summary>The score grad log p_t(x) of the path's marginal at t (score matching, diffusion models).</summary>
    Score,
}

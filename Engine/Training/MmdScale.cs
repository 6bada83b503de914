namespace TorchEbm.Training;

/// <summary>MMD^2 of the model's samples at one kernel bandwidth, beside what independent draws of the data score there.</summary>
/// <param name="Bandwidth">The Gaussian kernel's width s.</param>
/// <param name="Model">MMD^2(model samples, held-out data).</param>
/// <param name="NullMean">Mean MMD^2(fresh data draw, held-out data) over the null draws.</param>
/// <param name="NullStd">Their standard deviation.</param>
public sealed record MmdScale(float Bandwidth, float Model, float NullMean, float NullStd)
{
    /// <summary>Whether the model scores within 3x the null mean plus three null standard deviations.</summary>
    public bool Within => Model <= 3 * Math.Max(NullMean, 0f) + 3 * NullStd;
}

using TorchEbm.Tests.Support;

namespace TorchEbm.Bench.Training;

/// <summary>
/// How close model samples are to a synthetic data set, by the tests' own measure (<see cref="SampleQuality"/>, linked
/// into this project so a sweep's figures and a test's are the same computation): the fraction within 0.1 of a fresh
/// 5000-point draw, and MMD^2 to held-out data beside the data's own noise band.
/// </summary>
public static class SampleScore
{
    /// <summary>Near fraction, MMD^2 and band of <paramref name="samples"/> against <paramref name="dataset"/>.</summary>
    public static (double Near, float Mmd, double Band) Of(Tensor samples, string dataset)
    {
        MmdBand mmd = SampleQuality.Mmd(samples, dataset);
        return (SampleQuality.NearFraction(samples, dataset), (float)mmd.Model, mmd.Band);
    }
}

namespace TorchEbm.Tests.Support;

/// <summary>
/// How samples spread over the eight Gaussians' modes 2 (cos k pi/4, sin k pi/4), and the trainers' learning bar on
/// them: most samples in a well, and every well holding its share.
/// </summary>
/// <param name="Samples">Samples counted.</param>
/// <param name="Near">Samples within <see cref="Radius"/> of their nearest mode.</param>
/// <param name="PerMode">Those per mode, k = 0 .. 7 counter-clockwise from (2, 0).</param>
internal sealed record EightGaussiansModes(int Samples, int Near, int[] PerMode)
{
    /// <summary>"Near" a mode: over ten data standard deviations (0.02).</summary>
    public const double Radius = 0.25;

    /// <summary>Counts the rows of the row-major (n, 2) samples <paramref name="xy"/>; NaN counts as near none.</summary>
    public static EightGaussiansModes Count(float[] xy)
    {
        var perMode = new int[8];
        int near = 0;
        for (int i = 0; i < xy.Length; i += 2)
        {
            double angle = Math.Atan2(xy[i + 1], xy[i]);
            if (double.IsNaN(angle)) continue;
            int k = ((int)Math.Round(angle / (Math.PI / 4)) + 8) % 8;
            double dx = xy[i] - 2 * Math.Cos(k * Math.PI / 4), dy = xy[i + 1] - 2 * Math.Sin(k * Math.PI / 4);
            if (!(dx * dx + dy * dy < Radius * Radius)) continue;
            near++;
            perMode[k]++;
        }
        return new EightGaussiansModes(xy.Length / 2, near, perMode);
    }

    /// <summary>
    /// At least 90% of the samples near a mode, and every mode at least half its share (Samples / 16): for 800 samples a
    /// balanced mode holds 100 (binomial sd 9.4) and must hold 50.
    /// </summary>
    public void AssertEveryModeGetsAWellAndItsShare()
    {
        Assert.That(Near, Is.GreaterThanOrEqualTo(0.9 * Samples), "samples sit in the wells, not between them");
        Assert.That(PerMode, Is.All.GreaterThanOrEqualTo(Samples / 16), "every one of the eight modes is sampled");
    }

    public override string ToString() => $"near a mode: {Near} of {Samples}; per mode: {string.Join(", ", PerMode)}";
}

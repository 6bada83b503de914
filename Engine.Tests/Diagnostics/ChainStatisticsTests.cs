using MathNet.Numerics.Distributions;
using TorchEbm.Diagnostics;

namespace TorchEbm.Tests.Diagnostics;

/// <summary>
/// <see cref="ChainStatistics"/> on host series with known answers: AR(1) chains, whose ESS is N T (1 - rho) / (1 + rho),
/// chains with shifted means and well-mixed iid chains for R-hat, and the NaN and validation rules.
/// </summary>
public sealed class ChainStatisticsTests
{
    /// <summary>
    /// x_t = rho x_{t-1} + sqrt(1 - rho^2) eps_t from a stationary start: ESS = N T (1 - rho) / (1 + rho) for the mean
    /// (up to O(1 / T)). The issue accepts 10%. At 32 chains x 16000 draws the estimator's relative standard deviation
    /// across 40 seeds was 0.4%, 0.8% and 2.2% for rho = 0, 0.5, 0.9 (mean ratio 1.00 each), so 10% is over 4.5 of them
    /// away (at 8 x 4000 it was 6.8% for rho = 0.9: too noisy for a 10% check).
    /// </summary>
    [TestCase(0.0)]
    [TestCase(0.5)]
    [TestCase(0.9)]
    public void EffectiveSampleSize_OfAr1Chains_IsWithinTenPercentOfTheory(double rho)
    {
        const int chains = 32, draws = 16000;
        double expected = chains * draws * (1 - rho) / (1 + rho);
        float ess = ChainStatistics.EffectiveSampleSize(Ar1(chains, draws, rho, seed: 7))[0];
        TestContext.Out.WriteLine($"rho {rho}: ESS {ess:F0}, theory {expected:F0}, ratio {ess / expected:F4}");
        Assert.That(ess / expected, Is.InRange(0.9, 1.1));
    }

    /// <summary>
    /// Half the chains offset by one standard deviation: the split half-chain means are 0 or 1, so var+ / W is about
    /// 1 + (16 / 15) / 4 and R-hat about 1.13 (over 40 seeds: smallest 1.115, mean 1.126).
    /// </summary>
    [Test]
    public void SplitRHat_OfChainsWithShiftedMeans_IsAbove1Point1()
    {
        const int chains = 8, draws = 1000;
        double[] offsets = [.. Enumerable.Range(0, chains).Select(c => c < chains / 2 ? 0.0 : 1.0)];
        float rHat = ChainStatistics.SplitRHat(Ar1(chains, draws, 0, seed: 11, offsets))[0];
        TestContext.Out.WriteLine($"R-hat {rHat:F5}");
        Assert.That(rHat, Is.GreaterThan(1.1f));
    }

    /// <summary>
    /// Well-mixed iid chains: R-hat^2 is about 1 + (chi2_{M-1} / (M - 1) - 1) / N for M = 16 half-chains of N = 500
    /// draws, so even its 99.9% quantile (chi2_15 / 15 = 2.5) gives R-hat about 1.0015, far below 1.01 (over 40 seeds
    /// the largest was 1.0011).
    /// </summary>
    [Test]
    public void SplitRHat_OfIidChains_IsBelow1Point01()
    {
        float rHat = ChainStatistics.SplitRHat(Ar1(8, 1000, 0, seed: 12))[0];
        TestContext.Out.WriteLine($"R-hat {rHat:F5}");
        Assert.That(rHat, Is.LessThan(1.01f));
    }

    /// <summary>With an odd number of draws the middle draw is dropped: an outlier there leaves the ESS unchanged.</summary>
    [Test]
    public void EffectiveSampleSize_WithOddDrawCount_IgnoresTheMiddleDraw()
    {
        double[,,] even = Ar1(4, 200, 0.5, seed: 13);
        var odd = new double[201, 4, 1];
        for (int c = 0; c < 4; c++)
        {
            for (int t = 0; t < 100; t++) odd[t, c, 0] = even[t, c, 0];
            odd[100, c, 0] = 1e6;
            for (int t = 100; t < 200; t++) odd[t + 1, c, 0] = even[t, c, 0];
        }
        Assert.That(ChainStatistics.EffectiveSampleSize(odd), Is.EqualTo(ChainStatistics.EffectiveSampleSize(even)));
    }

    /// <summary>Both statistics use ranks only (R-hat's bulk part, and all of ESS): a monotone map leaves the ESS unchanged.</summary>
    [Test]
    public void EffectiveSampleSize_IsInvariantUnderAMonotoneMap()
    {
        double[,,] x = Ar1(4, 500, 0.7, seed: 14);
        double[,,] y = (double[,,])x.Clone();
        for (int t = 0; t < 500; t++) for (int c = 0; c < 4; c++) y[t, c, 0] = Math.Exp(3 * x[t, c, 0]);
        Assert.That(ChainStatistics.EffectiveSampleSize(y), Is.EqualTo(ChainStatistics.EffectiveSampleSize(x)));
    }

    /// <summary>float[,,] draws are read as the same numbers in float64: the two host overloads agree exactly.</summary>
    [Test]
    public void FloatAndDoubleOverloads_Agree()
    {
        double[,,] x = Ar1(3, 301, 0.3, seed: 15);
        var f = new float[301, 3, 1];
        var d = new double[301, 3, 1];
        for (int t = 0; t < 301; t++) for (int c = 0; c < 3; c++) d[t, c, 0] = f[t, c, 0] = (float)x[t, c, 0];
        Assert.That(ChainStatistics.EffectiveSampleSize(f), Is.EqualTo(ChainStatistics.EffectiveSampleSize(d)));
        Assert.That(ChainStatistics.SplitRHat(f), Is.EqualTo(ChainStatistics.SplitRHat(d)));
    }

    /// <summary>A dimension whose draws are all equal has no defined R-hat or ESS: NaN, as in Stan; the others are unaffected.</summary>
    [Test]
    public void ConstantDimension_GivesNaN_OtherDimensionsAreComputed()
    {
        double[,,] x = Ar1(4, 400, 0.0, seed: 16);
        var two = new double[400, 4, 2];
        for (int t = 0; t < 400; t++) for (int c = 0; c < 4; c++) (two[t, c, 0], two[t, c, 1]) = (x[t, c, 0], 2.5);
        float[] ess = ChainStatistics.EffectiveSampleSize(two), rHat = ChainStatistics.SplitRHat(two);
        Assert.That(ess[1], Is.NaN);
        Assert.That(rHat[1], Is.NaN);
        Assert.That(ess[0], Is.EqualTo(ChainStatistics.EffectiveSampleSize(x)[0]));
        Assert.That(rHat[0], Is.EqualTo(ChainStatistics.SplitRHat(x)[0]));
    }

    /// <summary>A NaN or infinite draw makes its dimension's statistics NaN (as in Stan), instead of a rank among numbers.</summary>
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    public void NonFiniteDraw_GivesNaN(double bad)
    {
        double[,,] x = Ar1(4, 100, 0.0, seed: 17);
        x[37, 2, 0] = bad;
        Assert.That(ChainStatistics.EffectiveSampleSize(x)[0], Is.NaN);
        Assert.That(ChainStatistics.SplitRHat(x)[0], Is.NaN);
    }

    /// <summary>
    /// Issue 24: 10 draws of 4 chains, chain c constant at c. posterior (R) gives ESS 20 (M N / 2 when half-chains have
    /// fewer than 6 draws) and R-hat +Inf (zero within-chain variance); before the fix 64.08 (M N log10(M N)) and ~1e15.
    /// </summary>
    [Test]
    public void ConstantButDifferentChains_GiveEss20AndInfiniteRHat_AsPosterior()
    {
        var x = new float[10, 4, 1];
        for (int t = 0; t < 10; t++) for (int c = 0; c < 4; c++) x[t, c, 0] = c;
        Assert.That(ChainStatistics.EffectiveSampleSize(x)[0], Is.EqualTo(20f));
        Assert.That(ChainStatistics.SplitRHat(x)[0], Is.EqualTo(float.PositiveInfinity));
    }

    /// <summary>Kept 4 or 5 draws leave half-chains of 2: posterior's ESS is NA there (it needs 3), R-hat is still defined.</summary>
    [TestCase(4)]
    [TestCase(5)]
    public void HalfChainsOfTwoDraws_GiveNaNEss_ButAnRHat(int kept)
    {
        double[,,] x = Ar1(4, kept, 0, seed: 18);
        Assert.That(ChainStatistics.EffectiveSampleSize(x)[0], Is.NaN);
        Assert.That(ChainStatistics.TailEffectiveSampleSize(x)[0], Is.NaN);
        Assert.That(ChainStatistics.MonteCarloStandardError(x)[0], Is.NaN);
        Assert.That(ChainStatistics.SplitRHat(x)[0], Is.GreaterThan(0f).And.LessThan(float.PositiveInfinity));
    }

    /// <summary>iid N(0, 1) draws: the MCSE of the mean is close to 1 / sqrt(S) (ESS about S).</summary>
    [Test]
    public void McseOfIidDraws_IsAboutOneOverSqrtS()
    {
        float mcse = ChainStatistics.MonteCarloStandardError(Ar1(8, 1000, 0, seed: 19))[0];
        Assert.That(mcse * Math.Sqrt(8000), Is.InRange(0.9, 1.1));
    }

    /// <summary>
    /// Energies that are iid have E-BFMI about 2 (E[(E_t - E_t-1)^2] = 2 var); a random walk (perfectly persistent
    /// momentum-less energy) has a far smaller one; constant or non-finite energies give NaN for their chain only.
    /// </summary>
    [Test]
    public void EnergyBfmi_OfIidAndPersistentEnergies()
    {
        double[,,] iid = Ar1(3, 4000, 0, seed: 20), slow = Ar1(1, 4000, 0.99, seed: 21);
        var energy = new double[4000, 5];
        for (int t = 0; t < 4000; t++)
        {
            energy[t, 0] = iid[t, 0, 0];
            energy[t, 1] = slow[t, 0, 0];
            energy[t, 2] = 3.5;
            energy[t, 3] = t == 17 ? double.NaN : iid[t, 1, 0];
            energy[t, 4] = iid[t, 2, 0];
        }
        float[] bfmi = ChainStatistics.EnergyBfmi(energy);
        Assert.That(bfmi[0], Is.InRange(1.8f, 2.2f));
        Assert.That(bfmi[1], Is.LessThan(0.05f)); // 2 (1 - rho) = 0.02 for AR(1) rho = 0.99
        Assert.That(bfmi[2], Is.NaN);
        Assert.That(bfmi[3], Is.NaN);
        Assert.That(bfmi[4], Is.InRange(1.8f, 2.2f));
    }

    [Test]
    public void EnergyBfmi_RejectsNullOneDrawAndNoChain()
    {
        Assert.That(Assert.Throws<ArgumentNullException>(() => ChainStatistics.EnergyBfmi((float[,])null!))!.ParamName, Is.EqualTo("energy"));
        var one = Assert.Throws<ArgumentException>(() => ChainStatistics.EnergyBfmi(new float[1, 3]))!;
        Assert.That(one.ParamName, Is.EqualTo("energy"));
        Assert.That(one.Message, Does.Contain("(1, 3)"));
        Assert.That(Assert.Throws<ArgumentException>(() => ChainStatistics.EnergyBfmi(new double[10, 0]))!.ParamName, Is.EqualTo("energy"));
    }

    [Test]
    public void NullArrays_AreRejected()
    {
        Assert.That(Assert.Throws<ArgumentNullException>(() => ChainStatistics.EffectiveSampleSize((double[,,])null!))!.ParamName, Is.EqualTo("trajectory"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => ChainStatistics.SplitRHat((float[,,])null!))!.ParamName, Is.EqualTo("trajectory"));
    }

    /// <summary>Three draws cannot be split into two halves of two draws each.</summary>
    [Test]
    public void FewerThanFourDraws_AreRejected()
    {
        var x = new double[3, 2, 1];
        var ex = Assert.Throws<ArgumentException>(() => ChainStatistics.SplitRHat(x))!;
        Assert.That(ex.ParamName, Is.EqualTo("trajectory"));
        Assert.That(ex.Message, Does.Contain("(3, 2, 1)"));
        Assert.Throws<ArgumentException>(() => ChainStatistics.EffectiveSampleSize(new float[3, 2, 1]));
    }

    [Test]
    public void NoChain_IsRejected() =>
        Assert.That(Assert.Throws<ArgumentException>(() => ChainStatistics.EffectiveSampleSize(new double[10, 0, 1]))!.ParamName,
            Is.EqualTo("trajectory"));

    /// <summary>
    /// N chains (dimension 1) of x_t = rho x_{t-1} + sqrt(1 - rho^2) eps_t, x_0 ~ N(0, 1), plus an offset per chain;
    /// shape (draws, chains, 1).
    /// </summary>
    internal static double[,,] Ar1(int chains, int draws, double rho, int seed, double[]? offsets = null)
    {
        var random = new System.Random(seed);
        var x = new double[draws, chains, 1];
        double innovation = Math.Sqrt(1 - rho * rho);
        for (int c = 0; c < chains; c++)
        {
            double v = Normal.Sample(random, 0, 1);
            for (int t = 0; t < draws; t++)
            {
                if (t > 0) v = rho * v + innovation * Normal.Sample(random, 0, 1);
                x[t, c, 0] = v + (offsets?[c] ?? 0);
            }
        }
        return x;
    }
}

using System.Text.Json;
using TorchEbm.Diagnostics;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Diagnostics;

/// <summary>
/// <see cref="ChainStatistics"/> against R's posterior package (1.4.0, by the authors of the rank-normalised diagnostics)
/// on identical draws: bulk and tail ESS, split R-hat and MCSE of the mean for every case of
/// Engine.Tests/Fixtures/posterior_fixture.json (tools/make_posterior_fixtures.R), including the short chains, ties,
/// odd lengths, one chain and constant chains; and E-BFMI against rstan's get_bfmi formula.
/// </summary>
/// <remarks>
/// Both sides compute in float64 but sum in different orders (R's FFT, normalised by the lag-0 value, against MathNet's);
/// over these cases that leaves relative differences of order 1e-13, so 1e-9 leaves room for rounding and none for a
/// different formula (a wrong denominator or a missed pair in Geyer's sequence changes the ESS by far more than 1e-9).
/// </remarks>
public sealed class PosteriorReferenceTests
{
    private const double Tolerance = 1e-9;

    private static readonly JsonElement Fixture = JsonDocument.Parse(File.ReadAllText(TorchFixtures.Path("posterior_fixture.json"))).RootElement;

    private static IEnumerable<TestCaseData> Cases() =>
        Fixture.GetProperty("cases").EnumerateArray().Select((c, i) => new TestCaseData(i).SetName($"Posterior case {i}: {c.GetProperty("name").GetString()}"));

    private static IEnumerable<TestCaseData> EnergyCases() =>
        Fixture.GetProperty("energy_cases").EnumerateArray().Select((c, i) => new TestCaseData(i).SetName($"E-BFMI case {i}: {c.GetProperty("name").GetString()}"));

    [TestCaseSource(nameof(Cases))]
    public void BulkEss_MatchesPosterior(int index) => AssertMatches(index, "ess_bulk", ChainStatistics.Statistic.BulkEss, ChainStatistics.EffectiveSampleSize);

    [TestCaseSource(nameof(Cases))]
    public void TailEss_MatchesPosterior(int index) => AssertMatches(index, "ess_tail", ChainStatistics.Statistic.TailEss, ChainStatistics.TailEffectiveSampleSize);

    [TestCaseSource(nameof(Cases))]
    public void SplitRHat_MatchesPosterior(int index) => AssertMatches(index, "rhat", ChainStatistics.Statistic.SplitRHat, ChainStatistics.SplitRHat);

    [TestCaseSource(nameof(Cases))]
    public void McseOfTheMean_MatchesPosterior(int index) => AssertMatches(index, "mcse_mean", ChainStatistics.Statistic.Mcse, ChainStatistics.MonteCarloStandardError);

    /// <summary>rstan's get_bfmi is (sum diff^2 / N) / var, ours sum diff^2 / sum (E - mean)^2: rstan's = ours (N - 1) / N.</summary>
    [TestCaseSource(nameof(EnergyCases))]
    public void EnergyBfmi_MatchesRstanTimesNMinus1OverN(int index)
    {
        JsonElement c = Fixture.GetProperty("energy_cases")[index];
        double[,] energy = Matrix(c.GetProperty("energy"));
        double[] rstan = TorchFixtures.Flat(c.GetProperty("ebfmi_rstan"));
        int n = energy.GetLength(0);
        float[] ours = ChainStatistics.EnergyBfmi(energy);
        Assert.That(ours, Has.Length.EqualTo(rstan.Length));
        for (int chain = 0; chain < rstan.Length; chain++)
        {
            TestContext.Out.WriteLine($"chain {chain}: ours {ours[chain]}, rstan {rstan[chain]} (x N / (N - 1) = {rstan[chain] * n / (n - 1)})");
            // a float32 result: relative 1e-6 is about 8 of its ulps
            Assert.That(ours[chain], Is.EqualTo(rstan[chain] * n / (n - 1)).Within(1e-6 * rstan[chain]));
        }
    }

    private static void AssertMatches(int index, string statistic, ChainStatistics.Statistic kind, Func<double[,,], float[]> compute)
    {
        JsonElement c = Fixture.GetProperty("cases")[index];
        double[,,] draws = Draws(c.GetProperty("draws"));
        JsonElement reference = c.GetProperty(statistic);
        double actual = ChainStatistics.InFloat64(kind, draws)[0];
        Assert.That(compute(draws)[0], Is.EqualTo((float)actual), "the public float result is the float64 value rounded");
        TestContext.Out.WriteLine($"{statistic}: ours {actual:R}, posterior {reference}");
        if (reference.ValueKind == JsonValueKind.Null) Assert.That(actual, Is.NaN, "posterior gives NA");
        else if (reference.ValueKind == JsonValueKind.String) Assert.That(actual, Is.EqualTo(double.Parse(reference.GetString()!, System.Globalization.CultureInfo.InvariantCulture)));
        else Assert.That(actual, Is.EqualTo(reference.GetDouble()).Within(Tolerance * Math.Abs(reference.GetDouble())));
    }

    private static double[,,] Draws(JsonElement rows)
    {
        double[,] m = Matrix(rows);
        var draws = new double[m.GetLength(0), m.GetLength(1), 1];
        for (int t = 0; t < m.GetLength(0); t++) for (int c = 0; c < m.GetLength(1); c++) draws[t, c, 0] = m[t, c];
        return draws;
    }

    private static double[,] Matrix(JsonElement rows)
    {
        int kept = rows.GetArrayLength(), chains = rows[0].GetArrayLength();
        var m = new double[kept, chains];
        for (int t = 0; t < kept; t++) for (int c = 0; c < chains; c++) m[t, c] = rows[t][c].GetDouble();
        return m;
    }
}

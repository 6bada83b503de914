using TorchEbm.Samplers;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Posteriors;

/// <summary>
/// The posteriordb conformance suite: each posterior sampled with the suite's one sampler and options
/// (<see cref="PosteriorSuite"/>: no per-model setting, Stan's inits, 1000 warm-up + 1000 draws) must warn of nothing
/// Stan does not warn of (<see cref="ChainResult.Warnings"/>) and give every
/// quantity's mean and sd within 5 Monte Carlo standard errors of posteriordb's reference (the run's and the reference's
/// MCSEs combined, see <see cref="PosteriorComparison"/>). A Monte Carlo standard error means something only for chains
/// that sample one law with enough effective draws, so every quantity must also have split R-hat below 1.01 and bulk-ESS
/// of at least 400, Vehtari et al.'s (2021) thresholds: without them a run whose chains are stranded apart inflates its
/// own MCSE and its z-scores look small.
/// </summary>
public sealed class PosteriorConformanceTests(DeviceKind kind) : DeviceTest(kind)
{
    /// <summary>The bar: |z| of every mean and sd below 5.</summary>
    public const double MaxZ = 5;

    /// <summary>Split R-hat (rank-normalised, max of bulk and tail) every quantity must stay below.</summary>
    public const double MaxRHat = 1.01;

    /// <summary>Bulk-ESS every quantity must reach for its MCSE to be trusted.</summary>
    public const double MinBulkEss = 400;

    /// <summary>Posteriors the current default sampler fails, with the failure measured; re-enable them as the sampler improves.</summary>
    private static readonly Dictionary<string, string> KnownFailures = new();

    /// <summary>
    /// Posteriors on which Stan (rstan 2.21 NUTS, 4 chains, defaults, through `Engine.Bench -- posteriordb`) also reports
    /// divergences after warm-up: eight schools, 1 of 4000 transitions (the engine: 36 of 32000).
    /// </summary>
    private static readonly HashSet<string> StanAlsoDiverges = ["eight_schools-eight_schools_noncentered"];

    /// <summary>Every posterior but the mixture, which <see cref="Mixture_With64Chains_LeavesNoChainInTheMinorMode"/> runs with more chains.</summary>
    private static IEnumerable<TestCaseData> Cases() => PosteriorCatalogue.Names.Where(name => name != Mixture).Select(name =>
    {
        var data = new TestCaseData(name).SetName($"{{m}}({name})");
        return KnownFailures.TryGetValue(name, out string? reason) ? data.Ignore(reason) : data;
    });

    [Category("Slow")]
    [TestCaseSource(nameof(Cases))]
    public void Posterior_MatchesTheReference(string posterior) => AssertMatches(posterior, PosteriorSuite.Chains);

    /// <summary>
    /// The mixture with 64 chains, where Stan run with 64 chains leaves one in the minor mode (mu[2] -2.2 against 2.87,
    /// R-hat 1.055): the warm-up's restarts leave none there, so it passes the same bar and warns of no stranded chain.
    /// </summary>
    [Test, Category("Slow")]
    public void Mixture_With64Chains_LeavesNoChainInTheMinorMode() => AssertMatches(Mixture, 64);

    private const string Mixture = "low_dim_gauss_mix-low_dim_gauss_mix";

    private void AssertMatches(string posterior, int chains)
    {
        using PosteriorModel model = PosteriorCatalogue.Create(posterior, Device);
        PosteriorRun run = PosteriorSuite.Run(model, chains);
        IReadOnlyList<QuantityComparison> comparisons = PosteriorComparison.Compare(run, ReferencePosterior.Load(posterior));
        TestContext.Out.WriteLine($"{posterior}: {chains} chains, {run.Seconds:F1} s, {run.Divergences} divergences");
        foreach (QuantityComparison c in comparisons) TestContext.Out.WriteLine(c);
        foreach (SamplingWarning w in run.Warnings) TestContext.Out.WriteLine($"warning: {w.Message}");
        Assert.That(run.Warnings.Where(w => !(w.Kind == SamplingWarningKind.Divergences && StanAlsoDiverges.Contains(posterior))).Select(w => w.Message),
            Is.Empty, "no warning where Stan has none");
        Assert.Multiple(() =>
        {
            foreach (QuantityComparison c in comparisons)
            {
                Assert.That(c.RHat, Is.LessThan(MaxRHat), $"{c.Name} split R-hat (chains that disagree)");
                Assert.That(c.BulkEss, Is.GreaterThanOrEqualTo(MinBulkEss), $"{c.Name} bulk-ESS");
                Assert.That(Math.Abs(c.ZMean), Is.LessThan(MaxZ), $"{c.Name} mean {c.Mean:G5}, reference {c.Reference.Mean:G5}");
                Assert.That(Math.Abs(c.ZSd), Is.LessThan(MaxZ), $"{c.Name} sd {c.Sd:G5}, reference {c.Reference.Sd:G5}");
            }
        });
    }
}

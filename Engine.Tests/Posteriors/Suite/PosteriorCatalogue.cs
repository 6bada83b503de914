namespace TorchEbm.Tests.Posteriors;

/// <summary>
/// The posteriors of the conformance suite, by posteriordb name, each with the model that writes it in tape ops.
/// Chosen small (&lt;= 10 parameters, &lt;= 1000 data points) and covering regression, hierarchical, time-series, mixture
/// and Gaussian-process posteriors, all with posteriordb reference draws.
/// </summary>
public static class PosteriorCatalogue
{
    private static readonly Dictionary<string, Func<Device, PosteriorData, PosteriorModel>> Factories = new()
    {
        ["eight_schools-eight_schools_noncentered"] = (device, data) => new EightSchoolsNoncentered(device, data),
        ["kidiq-kidscore_momiq"] = (device, data) => Regression(device, data, "kid_score", ["mom_iq"], ScalePriorCauchy(2.5)),
        ["kidiq-kidscore_interaction"] = KidscoreInteraction,
        ["arK-arK"] = Autoregression,
        ["arma-arma11"] = (device, data) => new Arma11(device, data),
        ["garch-garch11"] = (device, data) => new Garch11(device, data),
        ["mesquite-logmesquite"] = (device, data) => Mesquite(device, data, d =>
            [Math.Log(d["diam1"]), Math.Log(d["diam2"]), Math.Log(d["canopy_height"]), Math.Log(d["total_height"]), Math.Log(d["density"]), d["group"]]),
        ["mesquite-logmesquite_logvash"] = (device, data) => Mesquite(device, data, d =>
        [
            Math.Log(d["diam1"] * d["diam2"] * d["canopy_height"]), Math.Log(d["diam1"] * d["diam2"]), Math.Log(d["diam1"] / d["diam2"]),
            Math.Log(d["total_height"]), d["group"],
        ]),
        ["mesquite-logmesquite_logvolume"] = (device, data) => Mesquite(device, data, d => [Math.Log(d["diam1"] * d["diam2"] * d["canopy_height"])]),
        ["low_dim_gauss_mix-low_dim_gauss_mix"] = (device, data) => new LowDimGaussMix(device, data),
        ["sblrc-blr"] = BayesianLinearRegression,
        ["kilpisjarvi_mod-kilpisjarvi"] = Kilpisjarvi,
        ["gp_pois_regr-gp_regr"] = (device, data) => new GaussianProcessRegression(device, data),
    };

    /// <summary>Every posterior of the suite, in a fixed order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Factories.Keys];

    /// <summary>The model of <paramref name="posterior"/> over its posteriordb data.</summary>
    public static PosteriorModel Create(string posterior, Device device) => Factories[posterior](device, PosteriorData.Load(posterior));

    private static ScalePrior ScalePriorCauchy(double scale) => new(ScalePriorKind.Cauchy, scale);

    private static string[] Betas(int k) => [.. Enumerable.Range(1, k).Select(i => $"beta[{i}]")];

    /// <summary>y ~ N(beta_1 + sum_k beta_(k+1) x_k, sigma) over named data columns, flat priors on beta.</summary>
    private static LinearRegression Regression(Device device, PosteriorData data, string y, string[] columns, ScalePrior sigmaPrior)
    {
        double[][] x = [.. columns.Select(c => data.Vector(c))];
        double[] response = data.Vector(y);
        double[][] design = [.. Enumerable.Range(0, response.Length).Select(i => (double[])[1, .. x.Select(c => c[i])])];
        return new LinearRegression(device, design, response, Betas(columns.Length + 1), sigmaPrior);
    }

    private static LinearRegression KidscoreInteraction(Device device, PosteriorData data)
    {
        double[] hs = data.Vector("mom_hs"), iq = data.Vector("mom_iq"), score = data.Vector("kid_score");
        double[][] design = [.. Enumerable.Range(0, score.Length).Select(i => new[] { 1, hs[i], iq[i], hs[i] * iq[i] })];
        return new LinearRegression(device, design, score, Betas(4), ScalePriorCauchy(2.5));
    }

    /// <summary>log weight ~ N(beta_1 + sum_k beta_(k+1) f_k, sigma), flat priors, with the features f of each plant.</summary>
    private static LinearRegression Mesquite(Device device, PosteriorData data, Func<Dictionary<string, double>, double[]> features)
    {
        string[] names = ["weight", "diam1", "diam2", "canopy_height", "total_height", "density", "group"];
        Dictionary<string, double[]> columns = names.ToDictionary(n => n, n => data.Vector(n));
        int n = columns["weight"].Length;
        double[][] design = [.. Enumerable.Range(0, n).Select(i => (double[])[1, .. features(names.ToDictionary(c => c, c => columns[c][i]))])];
        double[] logWeight = [.. columns["weight"].Select(w => Math.Log(w))];
        return new LinearRegression(device, design, logWeight, Betas(design[0].Length), ScalePrior.Flat);
    }

    /// <summary>arK: y_t ~ N(alpha + sum_k beta_k y_(t-k), sigma) for t &gt; K; alpha, beta ~ N(0, 10), sigma ~ Cauchy+(0, 2.5).</summary>
    private static LinearRegression Autoregression(Device device, PosteriorData data)
    {
        int k = data.Integer("K");
        double[] y = data.Vector("y");
        double[][] design = [.. Enumerable.Range(k, y.Length - k).Select(t => (double[])[1, .. Enumerable.Range(1, k).Select(lag => y[t - lag])])];
        string[] names = ["alpha", .. Enumerable.Range(1, k).Select(i => $"beta[{i}]")];
        return new LinearRegression(device, design, y[k..], names, ScalePriorCauchy(2.5),
            priorMeans: new double[k + 1], priorSds: [.. Enumerable.Repeat(10.0, k + 1)]);
    }

    /// <summary>sblrc-blr: y ~ N(X beta, sigma), beta ~ N(0, 10), sigma ~ N+(0, 10), no intercept beyond X's columns.</summary>
    private static LinearRegression BayesianLinearRegression(Device device, PosteriorData data)
    {
        double[][] x = data.Matrix("X");
        return new LinearRegression(device, x, data.Vector("y"), Betas(x[0].Length), new ScalePrior(ScalePriorKind.Normal, 10),
            priorMeans: new double[x[0].Length], priorSds: [.. Enumerable.Repeat(10.0, x[0].Length)]);
    }

    /// <summary>kilpisjarvi: y ~ N(alpha + beta x, sigma), alpha ~ N(pmualpha, psalpha), beta ~ N(pmubeta, psbeta), sigma flat.</summary>
    private static LinearRegression Kilpisjarvi(Device device, PosteriorData data)
    {
        double[] x = data.Vector("x");
        double[][] design = [.. x.Select(v => new[] { 1, v })];
        return new LinearRegression(device, design, data.Vector("y"), ["alpha", "beta"], ScalePrior.Flat,
            priorMeans: [data.Scalar("pmualpha"), data.Scalar("pmubeta")], priorSds: [data.Scalar("psalpha"), data.Scalar("psbeta")]);
    }
}

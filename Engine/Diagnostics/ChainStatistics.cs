namespace TorchEbm.Diagnostics;

/// <summary>
/// Convergence diagnostics of several Markov chains, per dimension, after Vehtari, Gelman, Simpson, Carpenter and
/// Bürkner (2021), "Rank-normalization, folding, and localization: an improved R-hat for assessing convergence of
/// MCMC", as Stan, ArviZ and the R package posterior compute them. All arithmetic is float64 on the host.
/// </summary>
/// <remarks>
/// <para>A trajectory has shape (kept, n, d): kept draws of n chains in d dimensions, element [t, c, j] at
/// (t n + c) d + j, as <see cref="Samplers.Sampler.SampleChain"/> returns it with
/// <see cref="Samplers.SampleOptions.ReturnTrajectory"/>. Discard warm-up draws before calling.</para>
/// <para>The ESS and R-hat statistics split every chain into its first and last kept / 2 draws (the middle draw is dropped when kept
/// is odd), giving M = 2n half-chains of N = kept / 2 draws, and rank-normalise them: with r the rank of a draw among
/// all M N draws of its dimension (ties get their average rank), z = Phi^-1((r - 3/8) / (M N + 1/4)).</para>
/// <para>A dimension with a NaN or infinite draw, or whose draws are all equal, gets NaN (as in Stan and posterior). Every
/// statistic here matches posterior 1.4.0 on the same draws to rounding (Engine.Tests' PosteriorReferenceTests, fixture
/// from tools/make_posterior_fixtures.R), short chains included.</para>
/// <para>The Tensor overloads copy the trajectory to the host once; the array overloads take (draws, chains, dims) and
/// run the same code.</para>
/// </remarks>
public static class ChainStatistics
{
    /// <summary>The fewest kept draws per chain: each half-chain needs two draws for a variance.</summary>
    public const int MinDraws = 4;

    /// <summary>
    /// Bulk effective sample size per dimension: Stan's ESS of the rank-normalised split chains z.
    /// With acov_c(t) = (1/N) sum_i (z_i - mean_c)(z_{i+t} - mean_c) for each half-chain c (zero-padded FFT, MathNet),
    /// W = mean_c acov_c(0) N / (N - 1) and var+ = (N - 1) / N W + var_c(mean_c), the pooled autocorrelation is
    /// rho_t = 1 - (W - mean_c acov_c(t)) / var+. Geyer's initial monotone sequence: pairs rho_2k + rho_2k+1 are summed
    /// while positive (lags below N - 2) and made non-increasing; tau = -1 + 2 sum_{t &lt; T} rho_t + rho_T with T the
    /// even lag of the last pair looked at (Stan's improved estimate for antithetic chains; rho_T counts 0 if its pair
    /// was negative and it is not positive), at least 1 / log10(M N); ESS = M N / tau, so at most M N log10(M N).
    /// </summary>
    /// <param name="trajectory">Draws, shape (kept, n, d) with kept &gt;= 4.</param>
    /// <returns>One ESS per dimension: NaN for a dimension with a non-finite draw or all draws equal, or for kept 4 or 5
    /// (half-chains of 2 draws), as posterior gives NA; for half-chains of 3 to 5 draws (kept 6 to 11) M N / 2, as posterior.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="trajectory"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="trajectory"/> or its device was disposed.</exception>
    /// <exception cref="ArgumentException"><paramref name="trajectory"/> is not rank 3, or has fewer than 4 draws.</exception>
    public static float[] EffectiveSampleSize(Tensor trajectory) => PerDimension(FromTensor(trajectory), EssOf);

    /// <summary>Bulk ESS per dimension of host draws: see <see cref="EffectiveSampleSize(Tensor)"/>.</summary>
    /// <param name="trajectory">Draws indexed [draw, chain, dimension], at least 4 draws and one chain.</param>
    /// <exception cref="ArgumentNullException"><paramref name="trajectory"/> is null.</exception>
    /// <exception cref="ArgumentException">Fewer than 4 draws or no chain.</exception>
    public static float[] EffectiveSampleSize(float[,,] trajectory) => PerDimension(FromArray(trajectory), EssOf);

    /// <summary>Bulk ESS per dimension of host draws: see <see cref="EffectiveSampleSize(Tensor)"/>.</summary>
    /// <param name="trajectory">Draws indexed [draw, chain, dimension], at least 4 draws and one chain.</param>
    /// <exception cref="ArgumentNullException"><paramref name="trajectory"/> is null.</exception>
    /// <exception cref="ArgumentException">Fewer than 4 draws or no chain.</exception>
    public static float[] EffectiveSampleSize(double[,,] trajectory) => PerDimension(FromArray(trajectory), EssOf);

    /// <summary>
    /// Rank-normalised split R-hat per dimension: max(bulk, tail), where bulk is the classic R-hat of the
    /// rank-normalised split chains z and tail that of the rank-normalised split folded draws |x - median(x)| (median of
    /// all kept draws). Classic R-hat of M chains of N draws: B = N var_c(mean_c), W = mean_c var_c (denominators M - 1
    /// and N - 1), R-hat = sqrt(((N - 1) / N W + B / N) / W). Near 1 for chains that sample one law; Vehtari et al.
    /// recommend more sampling while it is above 1.01.
    /// </summary>
    /// <param name="trajectory">Draws, shape (kept, n, d) with kept &gt;= 4.</param>
    /// <returns>
    /// One R-hat per dimension: NaN for a dimension with a non-finite draw or all draws (or all folded draws) equal,
    /// +infinity when every half-chain is constant but they differ.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="trajectory"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="trajectory"/> or its device was disposed.</exception>
    /// <exception cref="ArgumentException"><paramref name="trajectory"/> is not rank 3, or has fewer than 4 draws.</exception>
    public static float[] SplitRHat(Tensor trajectory) => PerDimension(FromTensor(trajectory), RHatOf);

    /// <summary>Rank-normalised split R-hat per dimension of host draws: see <see cref="SplitRHat(Tensor)"/>.</summary>
    /// <param name="trajectory">Draws indexed [draw, chain, dimension], at least 4 draws and one chain.</param>
    /// <exception cref="ArgumentNullException"><paramref name="trajectory"/> is null.</exception>
    /// <exception cref="ArgumentException">Fewer than 4 draws or no chain.</exception>
    public static float[] SplitRHat(float[,,] trajectory) => PerDimension(FromArray(trajectory), RHatOf);

    /// <summary>Rank-normalised split R-hat per dimension of host draws: see <see cref="SplitRHat(Tensor)"/>.</summary>
    /// <param name="trajectory">Draws indexed [draw, chain, dimension], at least 4 draws and one chain.</param>
    /// <exception cref="ArgumentNullException"><paramref name="trajectory"/> is null.</exception>
    /// <exception cref="ArgumentException">Fewer than 4 draws or no chain.</exception>
    public static float[] SplitRHat(double[,,] trajectory) => PerDimension(FromArray(trajectory), RHatOf);

    /// <summary>
    /// Tail effective sample size per dimension (posterior's <c>ess_tail</c>, Stan's "Tail_ESS"): the smaller of the ESS
    /// of the indicators 1{x &lt;= q05} and 1{x &lt;= q95}, with q05 and q95 the 5% and 95% quantiles of all kept draws (R's
    /// default type 7), each computed as <see cref="EffectiveSampleSize(Tensor)"/> computes it but on the split indicator
    /// chains themselves (no rank normalisation). It says how well the chains estimate the tails (intervals); Stan
    /// warns below 100 per chain, as for the bulk ESS.
    /// </summary>
    /// <param name="trajectory">Draws, shape (kept, n, d) with kept &gt;= 4.</param>
    /// <returns>One tail ESS per dimension; NaN where the bulk ESS is NaN or an indicator is constant (e.g. at most 5% of
    /// the draws differ from the rest), as posterior gives NA.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="trajectory"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="trajectory"/> or its device was disposed.</exception>
    /// <exception cref="ArgumentException"><paramref name="trajectory"/> is not rank 3, or has fewer than 4 draws.</exception>
    public static float[] TailEffectiveSampleSize(Tensor trajectory) => PerDimension(FromTensor(trajectory), TailEssOf);

    /// <summary>Tail ESS per dimension of host draws: see <see cref="TailEffectiveSampleSize(Tensor)"/>.</summary>
    /// <param name="trajectory">Draws indexed [draw, chain, dimension], at least 4 draws and one chain.</param>
    /// <exception cref="ArgumentNullException"><paramref name="trajectory"/> is null.</exception>
    /// <exception cref="ArgumentException">Fewer than 4 draws or no chain.</exception>
    public static float[] TailEffectiveSampleSize(float[,,] trajectory) => PerDimension(FromArray(trajectory), TailEssOf);

    /// <summary>Tail ESS per dimension of host draws: see <see cref="TailEffectiveSampleSize(Tensor)"/>.</summary>
    /// <param name="trajectory">Draws indexed [draw, chain, dimension], at least 4 draws and one chain.</param>
    /// <exception cref="ArgumentNullException"><paramref name="trajectory"/> is null.</exception>
    /// <exception cref="ArgumentException">Fewer than 4 draws or no chain.</exception>
    public static float[] TailEffectiveSampleSize(double[,,] trajectory) => PerDimension(FromArray(trajectory), TailEssOf);

    /// <summary>
    /// Monte Carlo standard error of the mean per dimension (posterior's <c>mcse_mean</c>): sd / sqrt(ESS_mean), with sd
    /// the standard deviation of all kept draws (denominator S - 1) and ESS_mean the ESS of the split chains of the draws
    /// themselves (not rank-normalised, unlike the bulk ESS): how far the chains' mean is likely to be from the
    /// posterior mean.
    /// </summary>
    /// <param name="trajectory">Draws, shape (kept, n, d) with kept &gt;= 4.</param>
    /// <returns>One standard error per dimension; NaN for a dimension with a non-finite draw, all draws equal, or
    /// half-chains of fewer than 3 draws.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="trajectory"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="trajectory"/> or its device was disposed.</exception>
    /// <exception cref="ArgumentException"><paramref name="trajectory"/> is not rank 3, or has fewer than 4 draws.</exception>
    public static float[] MonteCarloStandardError(Tensor trajectory) => PerDimension(FromTensor(trajectory), McseOf);

    /// <summary>MCSE of the mean per dimension of host draws: see <see cref="MonteCarloStandardError(Tensor)"/>.</summary>
    /// <param name="trajectory">Draws indexed [draw, chain, dimension], at least 4 draws and one chain.</param>
    /// <exception cref="ArgumentNullException"><paramref name="trajectory"/> is null.</exception>
    /// <exception cref="ArgumentException">Fewer than 4 draws or no chain.</exception>
    public static float[] MonteCarloStandardError(float[,,] trajectory) => PerDimension(FromArray(trajectory), McseOf);

    /// <summary>MCSE of the mean per dimension of host draws: see <see cref="MonteCarloStandardError(Tensor)"/>.</summary>
    /// <param name="trajectory">Draws indexed [draw, chain, dimension], at least 4 draws and one chain.</param>
    /// <exception cref="ArgumentNullException"><paramref name="trajectory"/> is null.</exception>
    /// <exception cref="ArgumentException">Fewer than 4 draws or no chain.</exception>
    public static float[] MonteCarloStandardError(double[,,] trajectory) => PerDimension(FromArray(trajectory), McseOf);

    /// <summary>
    /// Energy Bayesian fraction of missing information per chain (Betancourt 2016, "Diagnosing suboptimal cotangent
    /// disintegrations in Hamiltonian Monte Carlo"): E-BFMI = sum_{t&gt;0} (E_t - E_{t-1})^2 / sum_t (E_t - mean E)^2 over
    /// a chain's kept Hamiltonians E_t (Stan's energy__). Small values (Stan warns below 0.3) mean the momentum
    /// resampling moves the energy too little to explore the posterior's energy distribution: heavy tails, poor mass.
    /// rstan's <c>get_bfmi</c> divides the first sum by N and the second by N - 1, so it reports this value times
    /// (N - 1) / N.
    /// </summary>
    /// <param name="energy">Energies, shape (kept, n): draw t of chain c at t n + c, as a sampler's per-draw energy.</param>
    /// <returns>One E-BFMI per chain: NaN for a chain with a non-finite energy or constant energies.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="energy"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="energy"/> or its device was disposed.</exception>
    /// <exception cref="ArgumentException"><paramref name="energy"/> is not rank 2, or has fewer than 2 draws or no chain.</exception>
    public static float[] EnergyBfmi(Tensor energy)
    {
        ArgumentNullException.ThrowIfNull(energy);
        ObjectDisposedException.ThrowIf(energy.IsDisposed, energy);
        if (energy.Rank != 2)
            throw new ArgumentException($"energy must have shape (kept, n), got {Shapes.Format(energy.Shape)}.", nameof(energy));
        CheckEnergyCounts(energy.Dim(0), energy.Dim(1), Shapes.Format(energy.Shape));
        float[] host = energy.ToArray();
        return Bfmi(Array.ConvertAll(host, v => (double)v), energy.Dim(0), energy.Dim(1));
    }

    /// <summary>E-BFMI per chain of host energies: see <see cref="EnergyBfmi(Tensor)"/>.</summary>
    /// <param name="energy">Energies indexed [draw, chain], at least 2 draws and one chain.</param>
    /// <exception cref="ArgumentNullException"><paramref name="energy"/> is null.</exception>
    /// <exception cref="ArgumentException">Fewer than 2 draws or no chain.</exception>
    public static float[] EnergyBfmi(float[,] energy)
    {
        ArgumentNullException.ThrowIfNull(energy);
        CheckEnergyCounts(energy.GetLength(0), energy.GetLength(1), $"({energy.GetLength(0)}, {energy.GetLength(1)})");
        var values = new double[energy.Length];
        int i = 0;
        foreach (float v in energy) values[i++] = v;
        return Bfmi(values, energy.GetLength(0), energy.GetLength(1));
    }

    /// <summary>E-BFMI per chain of host energies: see <see cref="EnergyBfmi(Tensor)"/>.</summary>
    /// <param name="energy">Energies indexed [draw, chain], at least 2 draws and one chain.</param>
    /// <exception cref="ArgumentNullException"><paramref name="energy"/> is null.</exception>
    /// <exception cref="ArgumentException">Fewer than 2 draws or no chain.</exception>
    public static float[] EnergyBfmi(double[,] energy)
    {
        ArgumentNullException.ThrowIfNull(energy);
        CheckEnergyCounts(energy.GetLength(0), energy.GetLength(1), $"({energy.GetLength(0)}, {energy.GetLength(1)})");
        var values = new double[energy.Length];
        Buffer.BlockCopy(energy, 0, values, 0, values.Length * sizeof(double));
        return Bfmi(values, energy.GetLength(0), energy.GetLength(1));
    }

    private static float[] Bfmi(double[] values, int kept, int chains)
    {
        var result = new float[chains];
        for (int c = 0; c < chains; c++)
        {
            double mean = 0;
            for (int t = 0; t < kept; t++) mean += values[(long)t * chains + c];
            mean /= kept;
            double steps = 0, spread = 0;
            for (int t = 0; t < kept; t++)
            {
                double e = values[(long)t * chains + c], d = e - mean;
                spread += d * d;
                if (t > 0) steps += (e - values[(long)(t - 1) * chains + c]) * (e - values[(long)(t - 1) * chains + c]);
            }
            result[c] = double.IsFinite(steps) && double.IsFinite(spread) && spread > 0 ? (float)(steps / spread) : float.NaN;
        }
        return result;
    }

    private static void CheckEnergyCounts(int kept, int chains, string shape)
    {
        if (kept < 2)
            throw new ArgumentException($"energy {shape} has {kept} draws per chain; E-BFMI needs at least 2.", "energy");
        if (chains < 1)
            throw new ArgumentException($"energy {shape} has no chain.", "energy");
    }

    private static double TailEssOf(double[][] chains)
    {
        if (SplitChains.AnyNonFinite(chains) || SplitChains.AllEqual(chains)) return double.NaN;
        double[] sorted = SplitChains.Sorted(chains);
        double low = QuantileEss(chains, SplitChains.Quantile(sorted, 0.05)), high = QuantileEss(chains, SplitChains.Quantile(sorted, 0.95));
        return double.IsNaN(low) || double.IsNaN(high) ? double.NaN : Math.Min(low, high); // R's min: NA if either is
    }

    private static double QuantileEss(double[][] chains, double quantile) =>
        SplitChains.Ess(SplitChains.Split(SplitChains.AtMost(chains, quantile)));

    private static double McseOf(double[][] chains) =>
        SplitChains.AnyNonFinite(chains) ? double.NaN : SplitChains.StandardDeviation(chains) / Math.Sqrt(SplitChains.Ess(SplitChains.Split(chains)));

    private static double EssOf(double[][] chains) =>
        SplitChains.AnyNonFinite(chains) ? double.NaN : SplitChains.Ess(SplitChains.RankNormalize(SplitChains.Split(chains)));

    private static double RHatOf(double[][] chains)
    {
        if (SplitChains.AnyNonFinite(chains)) return double.NaN;
        double bulk = SplitChains.RHat(SplitChains.RankNormalize(SplitChains.Split(chains)));
        double tail = SplitChains.RHat(SplitChains.RankNormalize(SplitChains.Split(SplitChains.Fold(chains))));
        return Math.Max(bulk, tail); // NaN if either is
    }

    /// <summary>Draws of a (kept, n, d) layout, flattened row-major, as float64.</summary>
    private readonly record struct Draws(double[] Values, int Kept, int Chains, int Dims);

    /// <summary>The statistics of this class, for <see cref="InFloat64"/>.</summary>
    internal enum Statistic { BulkEss, TailEss, SplitRHat, Mcse }

    /// <summary>A statistic per dimension before its rounding to float32 (tests compare it with R's float64 values).</summary>
    internal static double[] InFloat64(Statistic statistic, double[,,] trajectory)
    {
        Func<double[][], double> f = statistic switch
        {
            Statistic.BulkEss => EssOf,
            Statistic.TailEss => TailEssOf,
            Statistic.SplitRHat => RHatOf,
            _ => McseOf,
        };
        Draws draws = FromArray(trajectory);
        return [.. Enumerable.Range(0, draws.Dims).Select(j => f(Dimension(draws, j)))];
    }

    /// <summary>The statistic of every dimension, dimensions in parallel (each is independent: the same numbers in any order).</summary>
    private static float[] PerDimension(Draws draws, Func<double[][], double> statistic)
    {
        var result = new float[draws.Dims];
        Parallel.For(0, draws.Dims, j => result[j] = (float)statistic(Dimension(draws, j)));
        return result;
    }

    /// <summary>Dimension j of the draws as one array per chain.</summary>
    private static double[][] Dimension(Draws draws, int j)
    {
        var chains = new double[draws.Chains][];
        for (int c = 0; c < draws.Chains; c++)
        {
            chains[c] = new double[draws.Kept];
            for (int t = 0; t < draws.Kept; t++)
                chains[c][t] = draws.Values[((long)t * draws.Chains + c) * draws.Dims + j];
        }
        return chains;
    }

    private static Draws FromTensor(Tensor trajectory)
    {
        ArgumentNullException.ThrowIfNull(trajectory);
        ObjectDisposedException.ThrowIf(trajectory.IsDisposed, trajectory);
        if (trajectory.Rank != 3)
            throw new ArgumentException(
                $"trajectory must have shape (kept, n, d), got {Shapes.Format(trajectory.Shape)}.", nameof(trajectory));
        CheckCounts(trajectory.Dim(0), trajectory.Dim(1), Shapes.Format(trajectory.Shape));
        float[] host = trajectory.ToArray();
        return new Draws(Array.ConvertAll(host, v => (double)v), trajectory.Dim(0), trajectory.Dim(1), trajectory.Dim(2));
    }

    private static Draws FromArray(float[,,] trajectory)
    {
        ArgumentNullException.ThrowIfNull(trajectory);
        CheckCounts(trajectory.GetLength(0), trajectory.GetLength(1), FormatShape(trajectory));
        var values = new double[trajectory.Length];
        int i = 0;
        foreach (float v in trajectory) values[i++] = v; // row-major: [draw, chain, dimension]
        return new Draws(values, trajectory.GetLength(0), trajectory.GetLength(1), trajectory.GetLength(2));
    }

    private static Draws FromArray(double[,,] trajectory)
    {
        ArgumentNullException.ThrowIfNull(trajectory);
        CheckCounts(trajectory.GetLength(0), trajectory.GetLength(1), FormatShape(trajectory));
        var values = new double[trajectory.Length];
        Buffer.BlockCopy(trajectory, 0, values, 0, values.Length * sizeof(double));
        return new Draws(values, trajectory.GetLength(0), trajectory.GetLength(1), trajectory.GetLength(2));
    }

    private static string FormatShape(Array a) => $"({a.GetLength(0)}, {a.GetLength(1)}, {a.GetLength(2)})";

    private static void CheckCounts(int kept, int chains, string shape)
    {
        if (kept < MinDraws)
            throw new ArgumentException(
                $"trajectory {shape} has {kept} draws per chain; splitting each chain in half needs at least {MinDraws}.", "trajectory");
        if (chains < 1)
            throw new ArgumentException($"trajectory {shape} has no chain.", "trajectory");
    }
}

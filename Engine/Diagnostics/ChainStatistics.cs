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
/// <para>Both statistics split every chain into its first and last kept / 2 draws (the middle draw is dropped when kept
/// is odd), giving M = 2n half-chains of N = kept / 2 draws, and rank-normalise them: with r the rank of a draw among
/// all M N draws of its dimension (ties get their average rank), z = Phi^-1((r - 3/8) / (M N + 1/4)).</para>
/// <para>A dimension with a NaN or infinite draw, or whose draws are all equal, gets NaN (as in Stan and posterior).</para>
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
    /// <returns>One ESS per dimension (NaN for a dimension with a non-finite draw or all draws equal).</returns>
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

    private static float[] PerDimension(Draws draws, Func<double[][], double> statistic)
    {
        var result = new float[draws.Dims];
        for (int j = 0; j < draws.Dims; j++)
        {
            var chains = new double[draws.Chains][];
            for (int c = 0; c < draws.Chains; c++)
            {
                chains[c] = new double[draws.Kept];
                for (int t = 0; t < draws.Kept; t++)
                    chains[c][t] = draws.Values[((long)t * draws.Chains + c) * draws.Dims + j];
            }
            result[j] = (float)statistic(chains);
        }
        return result;
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

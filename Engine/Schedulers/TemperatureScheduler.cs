namespace TorchEbm.Schedulers;

/// <summary>
/// Energy matching's temperature sweep (Balcerak et al. 2025) as a Langevin noise scale: sqrt(eps(t)) at t = step /
/// nSteps, with eps(t) = 0 for t &lt; tauStar (pure transport: gradient descent), rising linearly to epsilonMax at t = 1
/// (diffusion), and epsilonMax after. A Langevin chain at noise scale s targets exp(-E / s^2), so the sweep ends sampling
/// exp(-E / epsilonMax).
/// </summary>
public sealed class TemperatureScheduler : Scheduler
{
    /// <summary>Creates the sweep.</summary>
    /// <param name="epsilonMax">The plateau temperature, positive.</param>
    /// <param name="tauStar">The switch from transport to diffusion, in [0, 1).</param>
    /// <param name="nSteps">Steps of the sweep from t = 0 to t = 1, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public TemperatureScheduler(float epsilonMax, float tauStar, int nSteps)
    {
        Check.PositiveFinite(epsilonMax, nameof(epsilonMax));
        Check.UnitInterval(tauStar, includeOne: false, nameof(tauStar));
        ArgumentOutOfRangeException.ThrowIfLessThan(nSteps, 1);
        EpsilonMax = epsilonMax;
        TauStar = tauStar;
        NSteps = nSteps;
    }

    /// <summary>The plateau temperature.</summary>
    public float EpsilonMax { get; }

    /// <summary>The switch time from transport to diffusion.</summary>
    public float TauStar { get; }

    /// <summary>Steps of the sweep.</summary>
    public int NSteps { get; }

    /// <summary>The temperature eps(t) at time t (the noise scale is its square root).</summary>
    public double Temperature(double t) => t < TauStar ? 0 : t >= 1 ? EpsilonMax : EpsilonMax * (t - TauStar) / (1 - TauStar);

    internal override int? ConstantFrom => NSteps;

    /// <inheritdoc />
    protected override double Compute(int step) => Math.Sqrt(Temperature((double)step / NSteps));
}

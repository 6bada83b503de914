using TorchEbm.Autodiff;
using TorchEbm.Kernels.Losses;
using TorchEbm.Models;

namespace TorchEbm.Losses;

/// <summary>
/// Sliced score matching (Song et al. 2019): loss = mean over samples and projections v of
/// 0.5 (v . s)^2 + v . d(v . s)/dx, with s = -dE/dx; the variance-reduced form replaces 0.5 (v . s)^2 by its
/// expectation 0.5 ||s||^2. One create-graph backward per projection, whatever d.
/// </summary>
/// <remarks>
/// The model must write its energy in tape ops (<see cref="BaseModel.Energies"/>). Projections are drawn with Philox
/// from <see cref="ScoreMatchingLoss.Seed"/> and the call index (reproducible).
/// </remarks>
public sealed class SlicedScoreMatching : ScoreMatchingLoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="nProjections">Projections per sample and call.</param>
    /// <param name="projection">Their distribution.</param>
    /// <param name="varianceReduced">Use 0.5 ||s||^2 for the first term (SSM-VR).</param>
    /// <param name="seed">Philox key of the projections.</param>
    /// <exception cref="ArgumentOutOfRangeException">nProjections is below 1 or projection is not defined.</exception>
    public SlicedScoreMatching(int nProjections = 1, ProjectionKind projection = ProjectionKind.Rademacher, bool varianceReduced = false, long seed = 0)
        : base(seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nProjections, 1);
        if (!Enum.IsDefined(projection)) throw new ArgumentOutOfRangeException(nameof(projection), projection, "Unknown projection kind.");
        NProjections = nProjections;
        Projection = projection;
        VarianceReduced = varianceReduced;
    }

    /// <summary>Projections per sample and call.</summary>
    public int NProjections { get; }

    /// <summary>The distribution of the projections.</summary>
    public ProjectionKind Projection { get; }

    /// <summary>Whether the first term is 0.5 ||s||^2 (SSM-VR).</summary>
    public bool VarianceReduced { get; }

    private protected override (int Count, int Kind) Probes => (NProjections, Projection switch
    {
        ProjectionKind.Gaussian => ProbeKernels.Gaussian,
        ProjectionKind.Sphere => ProbeKernels.Sphere,
        _ => ProbeKernels.Rademacher,
    });

    private protected override string ProbeCountName => "nProjections";

    private protected override Var Loss(BaseModel model, Var x, Var[] probes)
    {
        using Var gradient = GradientAt(model, x); // dE/dx = -s
        Var? sum = null;
        foreach (Var v in probes)
        {
            // v . s = -(v . dE/dx); its x-gradient is -H v, so the second term is -(v . H v).
            Var vg = (gradient * v).Sum(1);
            using Var total = vg.Sum();
            using Var hv = Tape.Grad(total, x, createGraph: true);
            Var second = -(hv * v).Sum(1);
            Var first = VarianceReduced ? 0.5f * (gradient * gradient).Sum(1) : 0.5f * vg.Square();
            Var term = first + second;
            sum = sum is null ? term : sum + term;
        }
        return probes.Length == 1 ? sum!.Mean() : (sum! * (1f / probes.Length)).Mean();
    }
}

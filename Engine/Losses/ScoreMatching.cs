using TorchEbm.Autodiff;
using TorchEbm.Kernels.Losses;
using TorchEbm.Models;

namespace TorchEbm.Losses;

/// <summary>
/// Hyvarinen's score matching: loss = mean over samples of 0.5 ||dE/dx||^2 - tr(d2E/dx2) (p ~ exp(-E), score
/// s = -dE/dx), equal up to a constant to the Fisher divergence 0.5 E ||s_model - s_data||^2. The trace is exact (d
/// create-graph backward passes) or Hutchinson's estimate.
/// </summary>
/// <remarks>
/// The model must write its energy in tape ops (<see cref="BaseModel.Energies"/>): the loss differentiates dE/dx again.
/// Hutchinson probes are Rademacher, drawn with Philox from <see cref="ScoreMatchingLoss.Seed"/> and the call index (reproducible).
/// </remarks>
public sealed class ScoreMatching : ScoreMatchingLoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="trace">Exact trace (cost grows with d) or Hutchinson's estimate.</param>
    /// <param name="nProbes">Hutchinson probes per call (ignored for the exact trace).</param>
    /// <param name="seed">Philox key of the probes.</param>
    /// <exception cref="ArgumentOutOfRangeException">trace is not defined, or nProbes is below 1.</exception>
    public ScoreMatching(HessianTrace trace = HessianTrace.Exact, int nProbes = 1, long seed = 0) : base(seed)
    {
        if (!Enum.IsDefined(trace)) throw new ArgumentOutOfRangeException(nameof(trace), trace, "Unknown trace method.");
        ArgumentOutOfRangeException.ThrowIfLessThan(nProbes, 1);
        Trace = trace;
        NProbes = nProbes;
    }

    /// <summary>How the trace of the Hessian is computed.</summary>
    public HessianTrace Trace { get; }

    /// <summary>Hutchinson probes per call.</summary>
    public int NProbes { get; }

    private protected override (int Count, int Kind) Probes => (Trace == HessianTrace.Exact ? 0 : NProbes, ProbeKernels.Rademacher);

    private protected override Var Loss(BaseModel model, Var x, Var[] probes)
    {
        using Var gradient = GradientAt(model, x);
        Var trace = probes.Length == 0 ? ExactTrace(gradient, x) : HutchinsonTrace(gradient, x, probes);
        return (0.5f * (gradient * gradient).Sum(1) - trace).Mean();
    }

    // Create-graph gradients and the scalars differentiated are disposed here; the result frees the rest with itself.

    /// <summary>Per sample, sum over j of d(dE/dx_j)/dx_j: one create-graph backward of column j's sum per dimension.</summary>
    private static Var ExactTrace(Var gradient, Var x)
    {
        Var? trace = null;
        for (int j = 0; j < x.Shape[1]; j++)
        {
            using Var column = gradient.Column(j).Sum();
            using Var row = Tape.Grad(column, x, createGraph: true);
            Var diagonal = row.Column(j);
            trace = trace is null ? diagonal : trace + diagonal;
        }
        return trace!;
    }

    /// <summary>Per sample, the mean over probes v of v . H v.</summary>
    private static Var HutchinsonTrace(Var gradient, Var x, Var[] probes)
    {
        Var? sum = null;
        foreach (Var v in probes)
        {
            using Var directional = (gradient * v).Sum();
            using Var hv = Tape.Grad(directional, x, createGraph: true);
            Var quadratic = (hv * v).Sum(1);
            sum = sum is null ? quadratic : sum + quadratic;
        }
        return probes.Length == 1 ? sum! : sum! * (1f / probes.Length);
    }
}

using TorchEbm.Autodiff;
using TorchEbm.Kernels.Losses;
using TorchEbm.Models;

namespace TorchEbm.Losses;

/// <summary>
/// Denoising score matching (Vincent 2011): x~ = x + sigma eps, eps ~ N(0, I), loss = sigma^2 mean over samples of
/// 0.5 ||s(x~) + (x~ - x) / sigma^2||^2 with s = -dE/dx, so the model learns the score of the data smoothed by
/// N(0, sigma^2 I); the factor sigma^2 makes losses at different sigma comparable. One create-graph backward per call.
/// </summary>
/// <remarks>
/// The sign follows p ~ exp(-E): trained on N(0, I), the energy is lowest at the origin. The model must write its
/// energy in tape ops (<see cref="BaseModel.Energies"/>). Noise is drawn with Philox from <see cref="ScoreMatchingLoss.Seed"/> and the
/// call index (reproducible).
/// </remarks>
public sealed class DenoisingScoreMatching : ScoreMatchingLoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="sigma">The noise scale, finite and positive.</param>
    /// <param name="seed">Philox key of the noise.</param>
    /// <exception cref="ArgumentOutOfRangeException">sigma is not finite and positive.</exception>
    public DenoisingScoreMatching(float sigma = 0.1f, long seed = 0) : base(seed)
    {
        Check.PositiveFinite(sigma);
        Sigma = sigma;
    }

    /// <summary>The noise scale.</summary>
    public float Sigma { get; }

    private protected override (int Count, int Kind) Probes => (1, ProbeKernels.Gaussian);

    private protected override Var Loss(BaseModel model, Tensor data, Var[] probes)
    {
        Var eps = probes[0];
        Var perturbed = Var.Intermediate(Perturbed(data, eps.Value, Sigma), requiresGrad: true); // freed with the graph
        // s(x~) + (x~ - x) / sigma^2 = eps / sigma - dE/dx(x~)
        using Var gradient = model.Gradient(perturbed, createGraph: true);
        Var residual = eps * (1f / Sigma) - gradient;
        return (residual * residual).Sum(1).Mean() * (0.5f * Sigma * Sigma);
    }
}

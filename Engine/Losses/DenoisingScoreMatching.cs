using TorchEbm.Elementwise;
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
    /// <param name="sigma">The noise scale, in [<see cref="MinSigma"/>, <see cref="MaxSigma"/>].</param>
    /// <param name="seed">Philox key of the noise.</param>
    /// <exception cref="ArgumentOutOfRangeException">sigma is outside [<see cref="MinSigma"/>, <see cref="MaxSigma"/>] (or NaN).</exception>
    public DenoisingScoreMatching(float sigma = 0.1f, long seed = 0) : base(seed)
    {
        if (!(sigma >= MinSigma && sigma <= MaxSigma))
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, $"sigma must be in [{MinSigma:G1}, {MaxSigma:G1}], got {sigma}.");
        Sigma = sigma;
    }

    /// <summary>
    /// Smallest noise scale: the loss squares eps / sigma, which near 1e-19 overflows float32 (1e-20 gave infinity, 1e-25
    /// NaN); 1e-9 leaves nine decades of headroom.
    /// </summary>
    public const float MinSigma = 1e-9f;

    /// <summary>
    /// Largest noise scale: the loss scales by sigma^2 a residual that grows like sigma for any energy of unit curvature,
    /// so it grows like sigma^4, which stays below float32's maximum (3.4e38) up to about 1e9.
    /// </summary>
    public const float MaxSigma = 1e9f;

    /// <summary>The noise scale.</summary>
    public float Sigma { get; }

    private protected override (int Count, int Kind) Probes => (1, ProbeKernels.Gaussian);

    /// <inheritdoc />
    /// <remarks>The perturbed point x~ = data + sigma eps, eps the call's one probe.</remarks>
    private protected override void WriteInput(Tensor data, ReadOnlySpan<Var> probes, Tensor x) =>
        ElementwiseOps.Combine(data.Device, data.View, probes[0].Value.View, x.View, Sigma);

    private protected override Var Loss(BaseModel model, Var x, Var[] probes)
    {
        Var eps = probes[0];
        // s(x~) + (x~ - x) / sigma^2 = eps / sigma - dE/dx(x~), at x = x~ (WriteInput)
        using Var gradient = GradientAt(model, x);
        Var residual = eps * (1f / Sigma) - gradient;
        return (residual * residual).Sum(1).Mean() * (0.5f * Sigma * Sigma);
    }
}

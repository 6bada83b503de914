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
/// energy in tape ops (<see cref="BaseModel.Energies"/>). Noise is drawn with Philox from <see cref="Seed"/> and the
/// call index (reproducible).
/// </remarks>
public sealed class DenoisingScoreMatching : BaseLoss
{
    private uint _calls;

    /// <summary>Creates the loss.</summary>
    /// <param name="sigma">The noise scale, finite and positive.</param>
    /// <param name="seed">Philox key of the noise.</param>
    /// <exception cref="ArgumentOutOfRangeException">sigma is not finite and positive.</exception>
    public DenoisingScoreMatching(float sigma = 0.1f, long seed = 0)
    {
        Check.PositiveFinite(sigma);
        Sigma = sigma;
        Seed = seed;
    }

    /// <summary>The noise scale.</summary>
    public float Sigma { get; }

    /// <summary>Philox key of the noise.</summary>
    public long Seed { get; }

    /// <summary>Scan each batch for NaN or infinity on the host before any launch (one synchronisation per call).</summary>
    public bool CheckFinite { get; set; } = true;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The model has no parameters or no energy in tape ops, or the data is not a
    /// live, finite (n, d) batch of the model's dimension on its device.</exception>
    public override Var Compute(BaseModel model, Tensor data) => Compute(model, data, CheckFinite, noise: null);

    /// <inheritdoc />
    internal override Var ComputeOnCheckedData(BaseModel model, Tensor data) => Compute(model, data, scanFinite: false, noise: null);

    /// <summary>The loss with given noise eps (n, d) instead of drawn noise (tests against fixtures).</summary>
    internal Var Compute(BaseModel model, Tensor data, Tensor noise) => Compute(model, data, CheckFinite, noise);

    private Var Compute(BaseModel model, Tensor data, bool scanFinite, Tensor? noise)
    {
        ThrowIfDisposed();
        ScoreMatchingInputs.Check(model, data, scanFinite, nameof(DenoisingScoreMatching));
        uint call = _calls++;
        Var eps = noise is null
            ? ScoreMatchingInputs.Draw(data, 1, ProbeKernels.Gaussian, Seed, call)[0]
            : ScoreMatchingInputs.Given(noise, data, 1, nameof(noise))[0];
        Var perturbed = Var.Intermediate(ScoreMatchingInputs.Perturbed(data, eps.Value, Sigma), requiresGrad: true); // freed with the graph
        // s(x~) + (x~ - x) / sigma^2 = eps / sigma - dE/dx(x~)
        using Var gradient = model.Gradient(perturbed, createGraph: true);
        Var residual = eps * (1f / Sigma) - gradient;
        return (residual * residual).Sum(1).Mean() * (0.5f * Sigma * Sigma);
    }
}

using ILGPU.Runtime;
using TorchEbm.Autodiff;
using TorchEbm.Interpolants;
using TorchEbm.Kernels.Losses;
using TorchEbm.Models;

namespace TorchEbm.Losses;

/// <summary>
/// Equilibrium matching (Wang et al. 2025, arXiv 2510.02300): a time-invariant gradient field regressed onto the
/// direction from data to noise. With data x, noise eps ~ N(0, I) and a time gamma ~ U(0, 1) per row, the point
/// x_gamma = alpha(gamma) x + sigma(gamma) eps of an interpolant (linear by default: gamma x + (1 - gamma) eps) and the
/// target (eps - x) c(gamma), with the truncated decay
/// c(gamma) = lambda min(1, (1 - gamma) / (1 - a)), the loss is the mean over rows and coordinates of
/// (dE/dx(x_gamma) - target)^2. The target vanishes at the data (gamma = 1), so the learned energy has its minima there
/// and samples are drawn by gradient descent on E from noise.
/// </summary>
/// <remarks>
/// <para>Explicit forms (EqM-E): <see cref="Compute(BaseModel, Tensor)"/> differentiates the model's scalar energy, so any model whose energy
/// is written in tape ops trains: a <see cref="NeuralNetworkModel"/> (E is the network's output), or a
/// <see cref="FieldEnergyModel"/> over a vector field f with TorchEBM's energies <c>dot</c> (E = x . f(x)) and
/// <c>l2</c> (E = -||f(x)||^2 / 2). Implicit form (EqM): <see cref="ComputeImplicit(Module, Tensor)"/> regresses a vector field f
/// itself onto the target (no energy; samples follow x &lt;- x - eta f(x)).</para>
/// <para>Noise and times are drawn with Philox from <see cref="Seed"/> and the call index (reproducible). One
/// create-graph backward per call in the explicit forms.</para>
/// </remarks>
public sealed class EquilibriumMatching : BaseLoss
{
    private uint _calls;

    /// <summary>Creates the loss.</summary>
    /// <param name="threshold">The decay onset a of c(gamma), in [0, 1): the target keeps full size up to gamma = a, then
    /// falls linearly to 0 at the data. The paper's 0.8.</param>
    /// <param name="multiplier">The gradient multiplier lambda of c(gamma), positive: the paper's 4.</param>
    /// <param name="seed">Philox key of the noise and the times.</param>
    /// <param name="interpolant">The path from noise (time 0) to data (time 1); null: <see cref="LinearInterpolant"/>
    /// (TorchEBM's default). The target does not depend on it.</param>
    /// <exception cref="ArgumentOutOfRangeException">threshold is outside [0, 1) or multiplier is not positive and finite.</exception>
    public EquilibriumMatching(float threshold = DefaultThreshold, float multiplier = DefaultMultiplier, long seed = 0, IInterpolant? interpolant = null)
    {
        Interpolant = interpolant ?? new LinearInterpolant();
        TorchEbm.Check.UnitInterval(threshold, includeOne: false, nameof(threshold));
        TorchEbm.Check.PositiveFinite(multiplier, nameof(multiplier));
        Threshold = threshold;
        Multiplier = multiplier;
        Seed = seed;
    }

    /// <summary>The paper's decay onset a = 0.8.</summary>
    public const float DefaultThreshold = 0.8f;

    /// <summary>The paper's gradient multiplier lambda = 4.</summary>
    public const float DefaultMultiplier = 4f;

    /// <summary>The decay onset a of c(gamma).</summary>
    public float Threshold { get; }

    /// <summary>The gradient multiplier lambda of c(gamma).</summary>
    public float Multiplier { get; }

    /// <summary>Philox key of the noise and the times.</summary>
    public long Seed { get; }

    /// <summary>The path the points lie on.</summary>
    public IInterpolant Interpolant { get; }

    /// <summary>Scan each batch for NaN or infinity on the host before any launch (one synchronisation per call).</summary>
    public bool CheckFinite { get; set; } = true;

    /// <summary>The truncated decay c(gamma) = multiplier * min(1, (1 - gamma) / (1 - threshold)), as the kernel computes it.</summary>
    public float Decay(float gamma) => Multiplier * MathF.Min(1f, (1f - gamma) / (1f - Threshold));

    /// <inheritdoc />
    /// <summary>The explicit loss: the model's dE/dx at x_gamma regressed onto (eps - x) c(gamma).</summary>
    /// <exception cref="ArgumentException">The model has no parameters or no energy in tape ops, or the data is not a
    /// live, finite (n, d) batch of the model's dimension on its device.</exception>
    public override Var Compute(BaseModel model, Tensor data) => Compute(model, data, CheckFinite);

    /// <inheritdoc />
    internal override Var ComputeOnCheckedData(BaseModel model, Tensor data) => Compute(model, data, scanFinite: false);

    /// <summary>The explicit loss with given noise (n, d) and times (n) instead of drawn ones (tests against fixtures).</summary>
    internal Var Compute(BaseModel model, Tensor data, Tensor noise, Tensor gamma)
    {
        ThrowIfDisposed();
        CheckTapeModelAndData(model, data, CheckFinite);
        CheckGiven(data, noise, gamma);
        return Explicit(model, data, noise, gamma);
    }

    /// <summary>
    /// The implicit loss: the vector field <paramref name="field"/> (a module mapping (n, d) to (n, d)) at x_gamma
    /// regressed onto (eps - x) c(gamma). Call Backward() on the result to fill the field's parameter gradients.
    /// </summary>
    /// <exception cref="ArgumentException">The field has no parameters, or the data is not a live, finite (n, d) batch on
    /// the field's device of its input dimension; the field's output is not (n, d).</exception>
    public Var ComputeImplicit(Module field, Tensor data)
    {
        ThrowIfDisposed();
        CheckField(field, data);
        uint call = _calls++;
        using Tensor noise = MatchingNoise.Sample(data.Device, data.Dim(0), data.Dim(1), Seed, MatchingNoise.Draw.Noise, call);
        using Tensor gamma = MatchingNoise.Sample(data.Device, data.Dim(0), 0, Seed, MatchingNoise.Draw.Time, call);
        return Implicit(field, data, noise, gamma);
    }

    /// <summary>The implicit loss with given noise (n, d) and times (n) (tests against fixtures).</summary>
    internal Var ComputeImplicit(Module field, Tensor data, Tensor noise, Tensor gamma)
    {
        ThrowIfDisposed();
        CheckField(field, data);
        CheckGiven(data, noise, gamma);
        return Implicit(field, data, noise, gamma);
    }

    private Var Compute(BaseModel model, Tensor data, bool scanFinite)
    {
        ThrowIfDisposed();
        CheckTapeModelAndData(model, data, scanFinite);
        uint call = _calls++;
        using Tensor noise = MatchingNoise.Sample(data.Device, data.Dim(0), data.Dim(1), Seed, MatchingNoise.Draw.Noise, call);
        using Tensor gamma = MatchingNoise.Sample(data.Device, data.Dim(0), 0, Seed, MatchingNoise.Draw.Time, call);
        if (ReplayInputs(model, [data.Dim(0), data.Dim(1)]) is [Var keptPoint, Var keptGoal])
        {
            // The graph of the last call on this call's point and target.
            (Tensor point, Tensor target) = Targets(data, noise, gamma);
            using (point) point.View.CopyTo(keptPoint.Value.View);
            using (target) target.View.CopyTo(keptGoal.Value.View);
            return Replay.Run();
        }
        return Explicit(model, data, noise, gamma);
    }

    /// <summary>The explicit loss at x_gamma; its graph is kept for a replay (<see cref="BaseLoss.ReplayGraph"/>).</summary>
    private Var Explicit(BaseModel model, Tensor data, Tensor noise, Tensor gamma)
    {
        (Tensor point, Tensor target) = Targets(data, noise, gamma);
        Var x = Var.Intermediate(point, requiresGrad: true); // freed with the graph
        Var goal = Var.Intermediate(target);
        Var gradient;
        try
        {
            gradient = model.Gradient(x, createGraph: true);
        }
        catch
        {
            x.Dispose();
            goal.Dispose();
            throw;
        }
        Var residual = gradient - goal;
        return KeepForReplay((residual * residual).Mean(), model, [data.Dim(0), data.Dim(1)], [x, goal]);
    }

    private Var Implicit(Module field, Tensor data, Tensor noise, Tensor gamma)
    {
        (Tensor point, Tensor target) = Targets(data, noise, gamma);
        Var x = Var.Intermediate(point);
        Var goal = Var.Intermediate(target);
        Var output;
        try
        {
            output = field.Forward(x);
        }
        catch
        {
            x.Dispose();
            goal.Dispose();
            throw;
        }
        if (output.Value.Rank != 2 || output.Value.Dim(0) != data.Dim(0) || output.Value.Dim(1) != data.Dim(1))
        {
            int[] shape = output.Shape;
            output.Dispose();
            goal.Dispose();
            throw new ArgumentException($"field must map (n, d) to (n, d) (a gradient field), but it gave {Shapes.Format(shape)} for {Shapes.Format(data.Shape)}.", nameof(field));
        }
        Var difference = output - goal;
        return (difference * difference).Mean();
    }

    /// <summary>x_gamma on the interpolant's path and the target (eps - x) c(gamma).</summary>
    private (Tensor Point, Tensor Target) Targets(Tensor data, Tensor noise, Tensor gamma)
    {
        Device device = data.Device;
        (Tensor point, Tensor velocity) = Interpolant.Interpolate(noise, data, gamma);
        velocity.Dispose();
        Tensor target = device.Allocate(data.Shape);
        device.Launch(MatchingKernels.EquilibriumTarget, data.Dim(0), data.View, noise.View, gamma.View, target.View, data.Dim(1), Threshold, Multiplier);
        return (point, target);
    }

    private void CheckField(Module field, Tensor data)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (!field.Parameters().Any())
            throw new ArgumentException($"{nameof(EquilibriumMatching)} trains a field's parameters, but {field.GetType().Name}.Parameters() is empty.", nameof(field));
        TorchEbm.Check.Batch(data, field.Device, nameof(data));
        if (field.InputDim is int d && data.Dim(1) != d)
            throw new ArgumentException($"data has shape {Shapes.Format(data.Shape)} but the field takes inputs of dimension {d}, i.e. shape (n, {d}).", nameof(data));
        if (CheckFinite) TorchEbm.Check.AllFinite(data, nameof(data));
    }

    private static void CheckGiven(Tensor data, Tensor noise, Tensor gamma)
    {
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(gamma);
        TorchEbm.Check.Batch(noise, data.Device, nameof(noise));
        if (noise.Dim(0) != data.Dim(0) || noise.Dim(1) != data.Dim(1))
            throw new ArgumentException($"noise must be shaped like the data {Shapes.Format(data.Shape)}, got {Shapes.Format(noise.Shape)}.", nameof(noise));
        ObjectDisposedException.ThrowIf(gamma.IsDisposed, gamma);
        if (!ReferenceEquals(gamma.Device, data.Device) || gamma.Rank != 1 || gamma.Dim(0) != data.Dim(0))
            throw new ArgumentException($"gamma must hold one time per data row, shape ({data.Dim(0)}), on the data's device; got {Shapes.Format(gamma.Shape)}.", nameof(gamma));
    }
}

using TorchEbm.Autodiff;
using TorchEbm.Kernels.Optim;

namespace TorchEbm.Optim;

/// <summary>
/// Adam with PyTorch's rule and defaults: g = grad + weightDecay p; m = beta1 m + (1 - beta1) g;
/// v = beta2 v + (1 - beta2) g^2; p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps), t counted per parameter.
/// </summary>
public sealed class Adam : Optimizer
{
    private readonly Tensor?[] _m, _v;
    private readonly int[] _steps;

    /// <summary>Creates the optimizer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate is out of range (betas must be in [0, 1)).</exception>
    public Adam(IEnumerable<Var> parameters, float lr = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0f)
        : base(parameters, lr)
    {
        Check.UnitInterval(beta1, includeOne: false);
        Check.UnitInterval(beta2, includeOne: false);
        Check.PositiveFinite(eps);
        Check.NonNegativeFinite(weightDecay);
        (Beta1, Beta2, Eps, WeightDecay) = (beta1, beta2, eps, weightDecay);
        _m = new Tensor?[Parameters.Count];
        _v = new Tensor?[Parameters.Count];
        _steps = new int[Parameters.Count];
    }

    /// <summary>Decay of the first moment.</summary>
    public float Beta1 { get; }

    /// <summary>Decay of the second moment.</summary>
    public float Beta2 { get; }

    /// <summary>Added to the denominator.</summary>
    public float Eps { get; }

    /// <summary>L2 penalty added to the gradient.</summary>
    public float WeightDecay { get; }

    /// <inheritdoc />
    protected override void Update(int index, Tensor parameter, Tensor gradient)
    {
        Tensor m = _m[index] ??= NewState(index);
        Tensor v = _v[index] ??= NewState(index);
        int t = ++_steps[index];
        var settings = new AdamSettings(Lr, Beta1, Beta2, Eps, WeightDecay,
            (float)(1 - Math.Pow(Beta1, t)), (float)Math.Sqrt(1 - Math.Pow(Beta2, t)));
        AdamStep.Apply(parameter, gradient, m, v, settings);
    }

    /// <inheritdoc />
    protected override IReadOnlyList<string> StateTensorNames { get; } = ["exp_avg", "exp_avg_sq"];

    /// <inheritdoc />
    protected override IReadOnlyList<string> StateScalarNames { get; } = ["step"];

    /// <inheritdoc />
    protected override OptimizerState CreateState()
    {
        var tensors = new List<(string, Tensor)>();
        var metadata = new Dictionary<string, string> { ["optimizer"] = nameof(Adam) };
        for (int i = 0; i < _steps.Length; i++)
        {
            if (_m[i] is not Tensor m || _v[i] is not Tensor v) continue;
            tensors.Add(($"{i}.exp_avg", m));
            tensors.Add(($"{i}.exp_avg_sq", v));
            metadata[$"{i}.step"] = _steps[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return new OptimizerState(tensors, metadata);
    }

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">A step is not an integer of at least 1, or a second moment is negative.</exception>
    protected override void RestoreState(IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors, IReadOnlyDictionary<string, string> metadata, string source)
    {
        // Check every value before changing anything: a bad step (e.g. -5) would turn every parameter NaN.
        int[] steps = new int[_steps.Length];
        for (int i = 0; i < steps.Length; i++)
        {
            if (!metadata.TryGetValue($"{i}.step", out string? step)) continue;
            steps[i] = ParseStep($"{i}.step", step, source);
            if (tensors[$"{i}.exp_avg_sq"].Data.Any(x => x < 0f))
                throw new InvalidDataException($"{source}: '{i}.exp_avg_sq' holds negative values; a second moment cannot be negative.");
        }

        var m = new Tensor?[_m.Length];
        var v = new Tensor?[_v.Length];
        try
        {
            for (int i = 0; i < steps.Length; i++)
            {
                if (steps[i] == 0) continue;
                m[i] = Upload(i, tensors[$"{i}.exp_avg"].Data);
                v[i] = Upload(i, tensors[$"{i}.exp_avg_sq"].Data);
            }
        }
        catch
        {
            foreach (Tensor? t in m.Concat(v)) t?.Dispose();
            throw;
        }

        for (int i = 0; i < steps.Length; i++)
        {
            _m[i]?.Dispose();
            _v[i]?.Dispose();
            (_m[i], _v[i], _steps[i]) = (m[i], v[i], steps[i]);
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        if (IsDisposed) return;
        foreach (Tensor? t in _m.Concat(_v)) t?.Dispose();
        base.Dispose();
    }
}

using TorchEbm.Autodiff;
using TorchEbm.Kernels.Optim;

namespace TorchEbm.Optim;

/// <summary>
/// Stochastic gradient descent with PyTorch's rule: g = grad + weightDecay p; with momentum, buf = g on the first
/// step and momentum buf + g after, and the step uses buf; p -= lr * step.
/// </summary>
public sealed class Sgd : Optimizer
{
    private readonly Tensor?[] _momentum;

    /// <summary>Creates the optimizer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate is out of range.</exception>
    public Sgd(IEnumerable<Var> parameters, float lr, float momentum = 0f, float weightDecay = 0f) : base(parameters, lr)
    {
        Check.NonNegativeFinite(momentum);
        Check.NonNegativeFinite(weightDecay);
        Momentum = momentum;
        WeightDecay = weightDecay;
        _momentum = new Tensor?[Parameters.Count];
    }

    /// <summary>Momentum factor (0: plain SGD).</summary>
    public float Momentum { get; }

    /// <summary>L2 penalty added to the gradient.</summary>
    public float WeightDecay { get; }

    /// <inheritdoc />
    protected override void Update(int index, Tensor parameter, Tensor gradient)
    {
        bool first = _momentum[index] is null;
        Tensor buffer = _momentum[index] ??= NewState(index, Momentum != 0f ? null : [1]);
        parameter.Device.Launch(OptimizerKernels.Sgd, parameter.Length, parameter.View, gradient.View, buffer.View,
            Lr, Momentum, WeightDecay, first ? 1 : 0);
    }

    /// <inheritdoc />
    /// <remarks>Only with momentum: plain SGD has no state.</remarks>
    protected override IReadOnlyList<string> StateTensorNames => Momentum != 0f ? ["momentum_buffer"] : [];

    /// <inheritdoc />
    protected override OptimizerState CreateState()
    {
        var tensors = new List<(string, Tensor)>();
        for (int i = 0; i < _momentum.Length; i++)
            if (Momentum != 0f && _momentum[i] is Tensor buffer) tensors.Add(($"{i}.momentum_buffer", buffer));
        return new OptimizerState(tensors, new Dictionary<string, string> { ["optimizer"] = nameof(Sgd) });
    }

    /// <inheritdoc />
    protected override void RestoreState(IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors, IReadOnlyDictionary<string, string> metadata, string source)
    {
        var buffers = new Tensor?[_momentum.Length];
        try
        {
            for (int i = 0; i < buffers.Length; i++)
                buffers[i] = tensors.TryGetValue($"{i}.momentum_buffer", out var b) ? Upload(i, b.Data) : null;
        }
        catch
        {
            foreach (Tensor? t in buffers) t?.Dispose();
            throw;
        }

        for (int i = 0; i < buffers.Length; i++)
        {
            _momentum[i]?.Dispose();
            _momentum[i] = buffers[i];
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        if (IsDisposed) return;
        foreach (Tensor? t in _momentum) t?.Dispose();
        base.Dispose();
    }
}

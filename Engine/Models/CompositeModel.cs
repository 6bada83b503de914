using TorchEbm.Elementwise;
using TorchEbm.Energies;

namespace TorchEbm.Models;

/// <summary>
/// A weighted sum of models: E(x) = sum_i w_i E_i(x). When every part is analytic (every built-in model) the sum is
/// one composed energy struct, so Forward, Gradient and whole Langevin chains run as one fused kernel launch;
/// otherwise each part is evaluated in turn and the results are summed on the device.
/// </summary>
/// <remarks>The composite does not own its parts: disposing it leaves them alive, and disposing a part makes the
/// composite throw <see cref="ObjectDisposedException"/>.</remarks>
public sealed class CompositeModel : BaseModel, IAnalyticModel
{
    private readonly BaseModel[] _parts;
    private readonly float[] _weights;

    /// <summary>Creates the weighted sum of <paramref name="models"/> (two or more, on one device).</summary>
    /// <param name="models">The parts.</param>
    /// <param name="weights">One finite weight per part; null means every weight is 1.</param>
    /// <exception cref="ArgumentException">Fewer than two models, a null model, models on different devices or
    /// with different fixed dimensions, or a weight count that differs from the model count.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A weight is not finite.</exception>
    public CompositeModel(IReadOnlyList<BaseModel> models, IReadOnlyList<float>? weights = null)
        : base(FirstDevice(models))
    {
        if (models.Count < 2)
            throw new ArgumentException($"A composite needs at least two models, got {models.Count}; use the model itself.", nameof(models));
        weights ??= Enumerable.Repeat(1f, models.Count).ToArray();
        if (weights.Count != models.Count)
            throw new ArgumentException($"weights has {weights.Count} entries but there are {models.Count} models.", nameof(weights));
        for (int i = 0; i < models.Count; i++)
        {
            if (models[i] is null) throw new ArgumentException($"models[{i}] is null.", nameof(models));
            if (!ReferenceEquals(models[i].Device, Device))
                throw new ArgumentException($"models[{i}] lives on {models[i].Device} but models[0] on {Device}.", nameof(models));
            if (models[i].Dim is int d && Dim is int first && d != first)
                throw new ArgumentException($"models[{i}] expects dimension {d} but another part expects {first}.", nameof(models));
            Dim ??= models[i].Dim;
            Check.Finite(weights[i], $"weights[{i}]");
        }
        _parts = [.. models];
        _weights = [.. weights];
        IsFused = _parts.All(p => p is IAnalyticModel { CanFuse: true });
        Source = IsFused ? ((IAnalyticModel)this).Accept(new SourceOf()) : null;
    }

    /// <summary>The parts, in order.</summary>
    public IReadOnlyList<BaseModel> Models => _parts;

    /// <summary>The weight of each part.</summary>
    public IReadOnlyList<float> Weights => _weights;

    /// <summary>Whether every part is analytic, so the sum runs as one fused kernel.</summary>
    public bool IsFused { get; }

    /// <inheritdoc />
    public override int? Dim { get; }

    /// <inheritdoc />
    /// <remarks>The composed <see cref="Sum{TA, TB}"/> struct when every part is analytic, built once here.</remarks>
    internal override EnergySource? Source { get; }

    int IAnalyticModel.MinDim => _parts.Max(p => p is IAnalyticModel a ? a.MinDim : 1);

    bool IAnalyticModel.CanFuse => IsFused;

    /// <inheritdoc />
    public override Tensor Forward(Tensor x) => Evaluate(x, gradient: false);

    /// <inheritdoc />
    public override Tensor Gradient(Tensor x) => Evaluate(x, gradient: true);

    private Tensor Evaluate(Tensor x, bool gradient)
    {
        ValidateSamples(x); // the composite's MinDim is its parts' largest
        if (Source is EnergySource fused) return gradient ? fused.Gradients(x) : fused.Energies(x);

        Tensor sum = gradient ? Device.Zeros(x.Dim(0), x.Dim(1)) : Device.Zeros(x.Dim(0));
        try
        {
            for (int i = 0; i < _parts.Length; i++)
            {
                using Tensor term = gradient ? _parts[i].CheckedGradient(x) : _parts[i].CheckedForward(x);
                ElementwiseOps.AddScaled(Device, term.View, sum.View, _weights[i]);
            }
            return sum;
        }
        catch
        {
            sum.Dispose();
            throw;
        }
    }

    /// <summary>Folds the parts into nested <see cref="Sum{TA, TB}"/> structs and hands the result to the visitor.</summary>
    TResult IAnalyticModel.Accept<TResult>(IEnergyVisitor<TResult> visitor)
    {
        if (!IsFused) throw new InvalidOperationException("Only a composite of analytic models has a fused energy.");
        return ((IAnalyticModel)_parts[0]).Accept(new Head<TResult>(this, visitor));
    }

    /// <summary>The composite is unusable once it or any of its parts has been disposed.</summary>
    protected internal override void ThrowIfDisposed()
    {
        base.ThrowIfDisposed();
        foreach (BaseModel part in _parts) part.ThrowIfDisposed();
    }

    private static Device FirstDevice(IReadOnlyList<BaseModel> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count == 0 || models[0] is null)
            throw new ArgumentException("models must hold at least two models, the first not null.", nameof(models));
        return models[0].Device;
    }

    /// <summary>Receives part 0 and pairs it with part 1.</summary>
    private sealed class Head<TResult>(CompositeModel owner, IEnergyVisitor<TResult> final) : IEnergyVisitor<TResult>
    {
        public TResult Visit<T0>(T0 energy) where T0 : struct, IEnergy =>
            ((IAnalyticModel)owner._parts[1]).Accept(new Append<T0, TResult>(energy, owner._weights[0], owner, 1, final));
    }

    /// <summary>Receives part <paramref name="index"/> and adds it to the sum of the parts before it.</summary>
    private sealed class Append<TSoFar, TResult>(TSoFar soFar, float soFarWeight, CompositeModel owner, int index, IEnergyVisitor<TResult> final)
        : IEnergyVisitor<TResult> where TSoFar : struct, IEnergy
    {
        public TResult Visit<TNext>(TNext energy) where TNext : struct, IEnergy
        {
            var sum = new Sum<TSoFar, TNext>(soFar, energy, soFarWeight, owner._weights[index]);
            return index + 1 == owner._parts.Length
                ? final.Visit(sum)
                : ((IAnalyticModel)owner._parts[index + 1]).Accept(new Append<Sum<TSoFar, TNext>, TResult>(sum, 1f, owner, index + 1, final));
        }
    }

    /// <summary>Wraps the composed struct as a chain source.</summary>
    private sealed class SourceOf : IEnergyVisitor<EnergySource>
    {
        public EnergySource Visit<TEnergy>(TEnergy energy) where TEnergy : struct, IEnergy => new AnalyticEnergySource<TEnergy>(energy);
    }
}

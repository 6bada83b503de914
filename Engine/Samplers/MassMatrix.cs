namespace TorchEbm.Samplers;

/// <summary>
/// HMC's diagonal mass matrix M: one mass for every coordinate (from a float) or one per coordinate (from a float[]).
/// Momenta are drawn from N(0, M); a mass near the inverse of a coordinate's variance makes every coordinate equally easy.
/// </summary>
public sealed class MassMatrix
{
    private readonly float[] _diagonal;

    private MassMatrix(float[] diagonal, bool isScalar)
    {
        _diagonal = diagonal;
        IsScalar = isScalar;
    }

    /// <summary>Whether one mass applies to every coordinate.</summary>
    public bool IsScalar { get; }

    /// <summary>The masses given (one value when <see cref="IsScalar"/>).</summary>
    public IReadOnlyList<float> Values => _diagonal;

    /// <summary>The same mass for every coordinate.</summary>
    public static implicit operator MassMatrix(float mass) => new([mass], isScalar: true);

    /// <summary>One mass per coordinate (copied).</summary>
    public static implicit operator MassMatrix(float[] diagonal)
    {
        ArgumentNullException.ThrowIfNull(diagonal);
        return new([.. diagonal], isScalar: false);
    }

    /// <summary>The diagonal of M^-1 for <paramref name="dim"/> coordinates.</summary>
    /// <exception cref="ArgumentException">A per-coordinate mass does not have <paramref name="dim"/> values.</exception>
    internal float[] InverseDiagonal(int dim)
    {
        if (!IsScalar && _diagonal.Length != dim)
            throw new ArgumentException($"mass has {_diagonal.Length} values but the chains have dimension {dim}.", "mass");
        return IsScalar ? Enumerable.Repeat(1f / _diagonal[0], dim).ToArray() : _diagonal.Select(m => 1f / m).ToArray();
    }

    /// <inheritdoc />
    public override string ToString() => IsScalar ? $"{_diagonal[0]}" : $"[{string.Join(", ", _diagonal)}]";
}

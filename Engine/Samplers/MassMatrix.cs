namespace TorchEbm.Samplers;

/// <summary>
/// The mass matrix M of Hamiltonian samplers (HMC, NUTS): one mass for every coordinate (from a float), one per
/// coordinate (from a float[]), or dense (<see cref="Dense"/>, adapted in warm-up from the identity, or
/// <see cref="FromDense"/>). Momenta are drawn from N(0, M); a mass near the inverse of the target's covariance makes
/// every direction equally easy. A dense mass also undoes correlations between coordinates, at O(d^2) per leapfrog step.
/// </summary>
public sealed class MassMatrix
{
    private readonly float[] _diagonal;
    private readonly float[,]? _dense;

    private MassMatrix(float[] diagonal, bool isScalar, float[,]? dense = null, bool isDense = false)
    {
        _diagonal = diagonal;
        _dense = dense;
        IsScalar = isScalar;
        IsDense = isDense;
    }

    /// <summary>Whether one mass applies to every coordinate.</summary>
    public bool IsScalar { get; }

    /// <summary>Whether the mass is a dense matrix (<see cref="Dense"/> or <see cref="FromDense"/>).</summary>
    public bool IsDense { get; }

    /// <summary>The masses given: one value when <see cref="IsScalar"/>, one per coordinate when diagonal, the matrix
    /// row by row from <see cref="FromDense"/>, none for <see cref="Dense"/>.</summary>
    public IReadOnlyList<float> Values => _dense is null ? _diagonal : [.. _dense.Cast<float>()];

    /// <summary>The same mass for every coordinate.</summary>
    public static implicit operator MassMatrix(float mass) => new([mass], isScalar: true);

    /// <summary>One mass per coordinate (copied).</summary>
    public static implicit operator MassMatrix(float[] diagonal)
    {
        ArgumentNullException.ThrowIfNull(diagonal);
        return new([.. diagonal], isScalar: false);
    }

    /// <summary>
    /// A dense mass matrix starting from the identity, which warm-up adapts (when <see cref="SampleOptions.AdaptMass"/>)
    /// to the inverse of the warm-up positions' covariance, regularised as Stan does:
    /// M^-1 = (n / (n + 5)) Sigma + 1e-3 (5 / (n + 5)) I.
    /// </summary>
    public static MassMatrix Dense { get; } = new([], isScalar: false, dense: null, isDense: true);

    /// <summary>A dense mass matrix given in full (copied): symmetric, positive definite, finite.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="mass"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="mass"/> is not square, not symmetric, has a non-finite entry, or
    /// is not positive definite (its Cholesky factorisation fails or its inverse is not finite).</exception>
    public static MassMatrix FromDense(float[,] mass)
    {
        ArgumentNullException.ThrowIfNull(mass);
        int d = mass.GetLength(0);
        if (d == 0 || mass.GetLength(1) != d)
            throw new ArgumentException($"mass must be a non-empty square matrix, got {d} x {mass.GetLength(1)}.", nameof(mass));
        for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
        {
            if (!float.IsFinite(mass[i, j]))
                throw new ArgumentException($"mass[{i}, {j}] is {mass[i, j]}: every entry must be finite.", nameof(mass));
            if (Math.Abs(mass[i, j] - mass[j, i]) > 1e-6f * Math.Max(Math.Abs(mass[i, j]), Math.Abs(mass[j, i])))
                throw new ArgumentException($"mass must be symmetric, but mass[{i}, {j}] = {mass[i, j]} and mass[{j}, {i}] = {mass[j, i]}.", nameof(mass));
        }
        var copy = (float[,])mass.Clone();
        _ = Inverse(copy); // validates positive definiteness and a finite inverse
        return new([], isScalar: false, copy, isDense: true);
    }

    /// <summary>
    /// Refuses a scalar or diagonal mass with a value that is not positive and finite or whose inverse overflows (a
    /// subnormal mass: every transition would diverge); a dense one was checked when it was made.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A mass is out of range (named <paramref name="name"/>).</exception>
    internal void Validate(string name)
    {
        if (IsDense) return;
        foreach (float m in _diagonal)
        {
            Check.PositiveFinite(m, name);
            if (!float.IsFinite(1f / m))
                throw new ArgumentOutOfRangeException(name, m, $"{name} must have a finite inverse, but 1 / {m} overflows; use a mass of at least 1e-38.");
        }
    }

    /// <summary>Writes the diagonal of M^-1 for <paramref name="into"/>'s length of coordinates (no allocation).</summary>
    /// <exception cref="ArgumentException">A per-coordinate mass does not have that many values.</exception>
    internal void InverseDiagonal(Span<float> into)
    {
        if (!IsScalar && _diagonal.Length != into.Length)
            throw new ArgumentException($"mass has {_diagonal.Length} values but the chains have dimension {into.Length}.", "mass");
        for (int i = 0; i < into.Length; i++) into[i] = 1f / _diagonal[IsScalar ? 0 : i];
    }

    /// <summary>A dense mass's M^-1 and its lower Cholesky factor for <paramref name="dim"/> coordinates (identity for <see cref="Dense"/>).</summary>
    /// <exception cref="ArgumentException">The given matrix is not <paramref name="dim"/> x <paramref name="dim"/>.</exception>
    internal (float[,] Inverse, float[,] Factor) InverseDense(int dim)
    {
        if (_dense is null)
        {
            var identity = new float[dim, dim];
            for (int i = 0; i < dim; i++) identity[i, i] = 1f;
            return (identity, (float[,])identity.Clone());
        }
        if (_dense.GetLength(0) != dim)
            throw new ArgumentException($"mass is {_dense.GetLength(0)} x {_dense.GetLength(0)} but the chains have dimension {dim}.", "mass");
        double[,] inverse = Inverse(_dense);
        double[,] factor = Cholesky(inverse) ?? throw new ArgumentException("mass's inverse is not positive definite in float precision.", "mass");
        return (ToFloat(inverse), ToFloat(factor));
    }

    /// <summary>M^-1 in double through M's Cholesky factor.</summary>
    private static double[,] Inverse(float[,] mass)
    {
        int d = mass.GetLength(0);
        var m = new double[d, d];
        for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) m[i, j] = mass[i, j];
        double[,] l = Cholesky(m) ?? throw new ArgumentException("mass must be positive definite (its Cholesky factorisation failed).", nameof(mass));
        var inverse = new double[d, d];
        for (int col = 0; col < d; col++)
        {
            var y = new double[d]; // L y = e_col, then L^T x = y
            for (int i = 0; i < d; i++)
            {
                double sum = i == col ? 1 : 0;
                for (int k = 0; k < i; k++) sum -= l[i, k] * y[k];
                y[i] = sum / l[i, i];
            }
            for (int i = d - 1; i >= 0; i--)
            {
                double sum = y[i];
                for (int k = i + 1; k < d; k++) sum -= l[k, i] * inverse[k, col];
                inverse[i, col] = sum / l[i, i];
            }
        }
        foreach (double v in inverse)
            if (!double.IsFinite(v) || Math.Abs(v) > float.MaxValue)
                throw new ArgumentException("mass's inverse is not finite in float precision.", nameof(mass));
        return inverse;
    }

    /// <summary>The lower Cholesky factor of a symmetric matrix, or null when it is not positive definite.</summary>
    private static double[,]? Cholesky(double[,] a)
    {
        int d = a.GetLength(0);
        var l = new double[d, d];
        for (int j = 0; j < d; j++)
        {
            double sum = a[j, j];
            for (int k = 0; k < j; k++) sum -= l[j, k] * l[j, k];
            if (!(sum > 0)) return null;
            l[j, j] = Math.Sqrt(sum);
            for (int i = j + 1; i < d; i++)
            {
                double s = a[i, j];
                for (int k = 0; k < j; k++) s -= l[i, k] * l[j, k];
                l[i, j] = s / l[j, j];
            }
        }
        return l;
    }

    private static float[,] ToFloat(double[,] a)
    {
        var f = new float[a.GetLength(0), a.GetLength(1)];
        for (int i = 0; i < a.GetLength(0); i++)
        for (int j = 0; j < a.GetLength(1); j++) f[i, j] = (float)a[i, j];
        return f;
    }

    /// <inheritdoc />
    public override string ToString() =>
        IsDense ? _dense is null ? "dense (adapted from the identity)" : $"dense {_dense.GetLength(0)} x {_dense.GetLength(0)}"
        : IsScalar ? $"{_diagonal[0]}" : $"[{string.Join(", ", _diagonal)}]";
}

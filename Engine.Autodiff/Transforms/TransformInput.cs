using TorchEbm.Autodiff;

namespace TorchEbm.Transforms;

/// <summary>The transforms' one place for argument checks: each runs on the host before any op is recorded.</summary>
internal static class TransformInput
{
    /// <summary>A live Var of shape (n) or (n, k): element-wise transforms take one value or k values per row.</summary>
    public static void Elementwise(Var x, string name)
    {
        Live(x, name);
        if (x.Value.Rank is not (1 or 2))
            throw new ArgumentException($"{name} must have shape (n) or (n, k), got {Shapes.Format(x.Shape)}.", name);
    }

    /// <summary>A live Var of shape (n, k) with k &gt;= <paramref name="minColumns"/>: one vector per row.</summary>
    public static void Rows(Var x, int minColumns, string name)
    {
        Live(x, name);
        if (x.Value.Rank != 2 || x.Value.Dim(1) < minColumns)
            throw new ArgumentException($"{name} must have shape (n, k) with k >= {minColumns}, got {Shapes.Format(x.Shape)}.", name);
    }

    /// <summary>A bound: a finite number.</summary>
    public static void Bound(float bound, string name)
    {
        if (!float.IsFinite(bound))
            throw new ArgumentOutOfRangeException(name, bound, $"{name} must be a finite number, got {bound}.");
    }

    /// <summary>The bounds of an interval: finite, lower &lt; upper, and upper - lower finite in float32.</summary>
    public static void Interval(float lower, float upper, string lowerName, string upperName)
    {
        Bound(lower, lowerName);
        Bound(upper, upperName);
        if (!(lower < upper) || !float.IsFinite(upper - lower))
            throw new ArgumentException($"{lowerName} must be below {upperName} (and their distance finite), got {lowerName} = {lower}, {upperName} = {upper}.", upperName);
    }

    /// <summary>The per-row sum of <paramref name="perElement"/> ((n) or (n, k)), shape (n): a row's log-Jacobian.</summary>
    public static Var RowSums(Var perElement) =>
        perElement.Value.Rank == 1 ? perElement.Reshape(perElement.Value.Dim(0)) : perElement.Sum(1);

    /// <summary>A constant (rows, cols) matrix of the graph: entry [i, j] is 1 where <paramref name="one"/>(i, j) holds, else 0.</summary>
    public static Var Indicator(Device device, int rows, int cols, Func<int, int, bool> one)
    {
        var values = new float[rows * cols];
        for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            values[i * cols + j] = one(i, j) ? 1f : 0f;
        return Var.Intermediate(device.FromArray(values, rows, cols));
    }

    /// <summary>A constant row vector (k) of the graph.</summary>
    public static Var Row(Device device, float[] values) => Var.Intermediate(device.FromArray(values, values.Length));

    private static void Live(Var x, string name)
    {
        ArgumentNullException.ThrowIfNull(x, name);
        ObjectDisposedException.ThrowIf(x.IsDisposed, x);
    }
}

using System.Runtime.CompilerServices;

namespace TorchEbm;

/// <summary>
/// The one place argument errors are raised, so every message names the argument and what was expected.
/// All checks run on the host, before any kernel launch.
/// </summary>
internal static class Check
{
    /// <summary>Validates a tensor shape: rank 1-3, every dimension positive, total length within an int.</summary>
    public static int ShapeLength(ReadOnlySpan<int> shape, string name)
    {
        if (shape.Length is < 1 or > 3)
            throw new ArgumentException($"{name} must have rank 1 to 3, got rank {shape.Length} {Format(shape)}.", name);
        long length = 1;
        foreach (int dim in shape)
        {
            if (dim <= 0)
                throw new ArgumentException($"{name} dimensions must be positive, got {Format(shape)}.", name);
            length *= dim;
            if (length > int.MaxValue)
                throw new ArgumentException($"{name} {Format(shape)} has more than {int.MaxValue} elements.", name);
        }
        return (int)length;
    }

    /// <summary>Formats a shape the way error messages and <c>ToString</c> show it: <c>(3, 2)</c>.</summary>
    public static string Format(ReadOnlySpan<int> shape)
    {
        if (shape.Length == 1) return $"({shape[0]},)";
        return "(" + string.Join(", ", shape.ToArray()) + ")";
    }

    public static void Finite(float value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (!float.IsFinite(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number, got {value}.");
    }

    /// <summary>Throws unless 0 &lt;= value &lt; 1, or 0 &lt;= value &lt;= 1 when <paramref name="includeOne"/>; NaN fails.</summary>
    public static void UnitInterval(float value, bool includeOne, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (!(value >= 0f && (includeOne ? value <= 1f : value < 1f)))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1{(includeOne ? "]" : ")")}, got {value}.");
    }

    public static void PositiveFinite(float value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (!float.IsFinite(value) || value <= 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive and finite, got {value}.");
    }

    public static void NonNegativeFinite(float value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (!float.IsFinite(value) || value < 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be >= 0 and finite, got {value}.");
    }

    /// <summary>Copies the (n, d) tensor <paramref name="x"/> to the host once and throws if an element is NaN or infinite.</summary>
    public static void AllFinite(Tensor x, string name) => AllFinite(x.ToArray(), x.Dim(1), name);

    /// <summary>Throws if an element of the row-major (n, <paramref name="columns"/>) values is NaN or infinite, naming it.</summary>
    public static void AllFinite(ReadOnlySpan<float> values, int columns, string name)
    {
        int bad = FirstNonFinite(values);
        if (bad >= 0)
            throw new ArgumentException($"{name} must be finite, but element [{bad / columns}, {bad % columns}] is {values[bad]}.", name);
    }

    /// <summary>The index of the first NaN or infinite value, or -1: the one finite-value scan.</summary>
    public static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    /// <summary>Checks that <paramref name="x"/> is a live (n, d) tensor on <paramref name="device"/>.</summary>
    public static void Batch(Tensor x, Device device, string name)
    {
        ArgumentNullException.ThrowIfNull(x, name);
        ObjectDisposedException.ThrowIf(x.IsDisposed, x);
        if (!ReferenceEquals(x.Device, device))
            throw new ArgumentException($"{name} lives on {x.Device} but must be on {device}.", name);
        if (x.Rank != 2)
            throw new ArgumentException($"{name} must have shape (n, d), got {Shapes.Format(x.Shape)}.", name);
    }
}

using System.Runtime.CompilerServices;

namespace TorchEbm;

/// <summary>
/// The one place argument errors are raised, so every message names the argument and what was expected.
/// All checks run on the host, before any kernel launch.
/// </summary>
internal static class Check
{
    public static void NotNull<T>([System.Diagnostics.CodeAnalysis.NotNull] T? value,
        [CallerArgumentExpression(nameof(value))] string? name = null) where T : class
    {
        if (value is null) throw new ArgumentNullException(name);
    }

    public static void Positive(int value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (value <= 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive, got {value}.");
    }

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
}

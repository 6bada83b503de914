namespace TorchEbm;

/// <summary>Shape helpers shared by every layer's error messages.</summary>
public static class Shapes
{
    /// <summary>A shape as error messages show it: <c>(3, 2)</c>, or <c>(3,)</c> for rank 1.</summary>
    public static string Format(ReadOnlySpan<int> shape) => Check.Format(shape);
}

using TorchEbm.Numerics;

namespace TorchEbm.Elementwise;

/// <summary>x * y.</summary>
public readonly struct Multiplication : IBinaryOp
{
    /// <inheritdoc />
    public static T Apply<T>(T x, T y) where T : struct, IArithmetic<T> => x * y;

    /// <inheritdoc />
    public static T PartialX<T>(T x, T y) where T : struct, IArithmetic<T> => y;

    /// <inheritdoc />
    public static T PartialY<T>(T x, T y) where T : struct, IArithmetic<T> => x;
}

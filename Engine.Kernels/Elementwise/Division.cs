using TorchEbm.Numerics;

namespace TorchEbm.Elementwise;

/// <summary>x / y (IEEE division: x / 0 is infinite).</summary>
public readonly struct Division : IBinaryOp
{
    /// <inheritdoc />
    public static T Apply<T>(T x, T y) where T : struct, IArithmetic<T> => x / y;

    /// <inheritdoc />
    public static T PartialX<T>(T x, T y) where T : struct, IArithmetic<T> => T.From(1f) / y;

    /// <inheritdoc />
    public static T PartialY<T>(T x, T y) where T : struct, IArithmetic<T> => -x / (y * y);
}

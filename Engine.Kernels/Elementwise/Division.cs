using TorchEbm.Numerics;

namespace TorchEbm.Elementwise;

/// <summary>x / y (IEEE division: x / 0 is infinite).</summary>
public readonly struct Division : IBinaryOp
{
    /// <inheritdoc />
    public static T Apply<T, TMask>(T x, T y) where T : struct, IReal<T, TMask> where TMask : struct => x / y;

    /// <inheritdoc />
    public static T PartialX<T, TMask>(T x, T y) where T : struct, IReal<T, TMask> where TMask : struct => T.From(1f) / y;

    /// <inheritdoc />
    public static T PartialY<T, TMask>(T x, T y) where T : struct, IReal<T, TMask> where TMask : struct => -x / (y * y);
}

using TorchEbm.Numerics;

namespace TorchEbm.Elementwise;

/// <summary>x + y.</summary>
public readonly struct Addition : IBinaryOp
{
    /// <inheritdoc />
    public static T Apply<T, TMask>(T x, T y) where T : struct, IReal<T, TMask> where TMask : struct => x + y;

    /// <inheritdoc />
    public static T PartialX<T, TMask>(T x, T y) where T : struct, IReal<T, TMask> where TMask : struct => T.From(1f);

    /// <inheritdoc />
    public static T PartialY<T, TMask>(T x, T y) where T : struct, IReal<T, TMask> where TMask : struct => T.From(1f);
}

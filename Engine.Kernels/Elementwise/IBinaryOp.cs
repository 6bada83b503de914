using TorchEbm.Numerics;

namespace TorchEbm.Elementwise;

/// <summary>
/// An element-wise arithmetic op z = x op y with its partial derivatives, written once over any numeric type
/// (<see cref="IReal{T, TMask}"/>): the broadcast kernels and the traced interpreter run it over <see cref="Real"/>, the
/// host twin over <see cref="Real8"/>. <see cref="Arithmetic"/> maps the op codes tapes and programs carry to these structs.
/// </summary>
public interface IBinaryOp
{
    /// <summary>x op y.</summary>
    static abstract T Apply<T, TMask>(T x, T y) where T : struct, IReal<T, TMask> where TMask : struct;

    /// <summary>dz/dx.</summary>
    static abstract T PartialX<T, TMask>(T x, T y) where T : struct, IReal<T, TMask> where TMask : struct;

    /// <summary>dz/dy.</summary>
    static abstract T PartialY<T, TMask>(T x, T y) where T : struct, IReal<T, TMask> where TMask : struct;

    /// <summary>Whether dz/dx is 1 (and dz/dy is ±1), so a reverse sweep adds the adjoint without reading x or y.</summary>
    static abstract bool Linear { get; }
}

/// <summary>x + y.</summary>
public readonly struct Addition : IBinaryOp
{
    /// <inheritdoc />
    public static T Apply<T, TMask>(T x, T y) where T : struct, IReal<T, TMask> where TMask : struct => x + y;

    /// <inheritdoc />
    public static T PartialX<T, TMask>(T x, T y) where T : struct, IReal<T, TMask> where TMask : struct => T.From(1f);

    /// <inheritdoc />
    public static T PartialY<T, TMask>(T x, T y) where T : struct, IReal<T, TMask> where TMask : struct => T.From(1f);

    /// <inheritdoc />
    public static bool Linear => true;
}

/// <summary>x - y.</summary>
public readonly struct Subtraction : IBinaryOp
{
    /// <inheritdoc />
    public static T Apply<T, TMask>(T x, T y) where T : struct, IReal<T, TMask> where TMask : struct => x - y;

    /// <inheritdoc />
    public static T PartialX<T, TMask>(T x, T y) where T : struct, IReal<T, TMask> where TMask : struct => T.From(1f);

    /// <inheritdoc />
    public static T PartialY<T, TMask>(T x, T y) where T : struct, IReal<T, TMask> where TMask : struct => T.From(-1f);

    /// <inheritdoc />
    public static bool Linear => true;
}

/// <summary>x * y.</summary>
public readonly struct Multiplication : IBinaryOp
{
    /// <inheritdoc />
    public static T Apply<T, TMask>(T x, T y) where T : struct, IReal<T, TMask> where TMask : struct => x * y;

    /// <inheritdoc />
    public static T PartialX<T, TMask>(T x, T y) where T : struct, IReal<T, TMask> where TMask : struct => y;

    /// <inheritdoc />
    public static T PartialY<T, TMask>(T x, T y) where T : struct, IReal<T, TMask> where TMask : struct => x;

    /// <inheritdoc />
    public static bool Linear => false;
}

/// <summary>x / y (IEEE division: x / 0 is infinite).</summary>
public readonly struct Division : IBinaryOp
{
    /// <inheritdoc />
    public static T Apply<T, TMask>(T x, T y) where T : struct, IReal<T, TMask> where TMask : struct => x / y;

    /// <inheritdoc />
    public static T PartialX<T, TMask>(T x, T y) where T : struct, IReal<T, TMask> where TMask : struct => T.From(1f) / y;

    /// <inheritdoc />
    public static T PartialY<T, TMask>(T x, T y) where T : struct, IReal<T, TMask> where TMask : struct => -x / (y * y);

    /// <inheritdoc />
    public static bool Linear => false;
}

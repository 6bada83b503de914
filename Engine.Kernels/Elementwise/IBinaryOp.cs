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
}

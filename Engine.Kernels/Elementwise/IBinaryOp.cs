using TorchEbm.Numerics;

namespace TorchEbm.Elementwise;

/// <summary>
/// An element-wise arithmetic op z = x op y with its partial derivatives, written once over any arithmetic type
/// (<see cref="IArithmetic{T}"/>): the broadcast kernels and the traced interpreter run it over <see cref="Real"/>, the
/// host twin over <see cref="Real8"/>, the tape's create-graph backward step over graph nodes. <see cref="Arithmetic"/> maps the op codes tapes and programs carry to these structs.
/// </summary>
public interface IBinaryOp
{
    /// <summary>x op y.</summary>
    static abstract T Apply<T>(T x, T y) where T : struct, IArithmetic<T>;

    /// <summary>dz/dx.</summary>
    static abstract T PartialX<T>(T x, T y) where T : struct, IArithmetic<T>;

    /// <summary>dz/dy.</summary>
    static abstract T PartialY<T>(T x, T y) where T : struct, IArithmetic<T>;
}

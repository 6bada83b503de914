using TorchEbm.Elementwise;
using TorchEbm.Numerics;

namespace TorchEbm.Autodiff;

/// <summary>
/// A graph node or a float constant as an <see cref="IArithmetic{T}"/>: the number type the arithmetic op structs'
/// partial derivatives (<see cref="IBinaryOp"/>) run over in the tape's create-graph backward step, so that step records
/// the same formula the kernels compute, as Var ops that can be differentiated again.
/// </summary>
/// <remarks>
/// Constants stay floats until they meet a node (operations between two constants are the float operation). Each
/// operation with a node is the Var op computing, element by element, the float operation the kernels do: x * c and
/// x + c as <see cref="Var"/>'s scalar ops (x * 1 is x itself: the product is exact), x / c and c / x against a
/// one-element constant node (Var's x / c multiplies by 1 / c, which rounds differently).
/// </remarks>
internal readonly struct VarReal : IArithmetic<VarReal>
{
    private readonly Var? _node;
    private readonly float _constant;

    private VarReal(Var? node, float constant)
    {
        _node = node;
        _constant = constant;
    }

    /// <summary>A graph node.</summary>
    public static implicit operator VarReal(Var node) => new(node, 0f);

    /// <summary>The node this number is (a constant has none: multiply it into a node first).</summary>
    /// <exception cref="InvalidOperationException">The number is a constant.</exception>
    public Var Node => _node ?? throw new InvalidOperationException("A constant has no graph node; combine it with a node first.");

    /// <inheritdoc />
    public static VarReal From(float value) => new(null, value);

    /// <inheritdoc />
    public static VarReal operator +(VarReal a, VarReal b) => (a._node, b._node) switch
    {
        (null, null) => From(a._constant + b._constant),
        (Var x, null) => x + b._constant,
        (null, Var y) => a._constant + y,
        (Var x, Var y) => x + y,
    };

    /// <inheritdoc />
    public static VarReal operator -(VarReal a, VarReal b) => (a._node, b._node) switch
    {
        (null, null) => From(a._constant - b._constant),
        (Var x, null) => x - b._constant,
        (null, Var y) => a._constant - y,
        (Var x, Var y) => x - y,
    };

    /// <inheritdoc />
    public static VarReal operator *(VarReal a, VarReal b) => (a._node, b._node) switch
    {
        (null, null) => From(a._constant * b._constant),
        (Var x, null) => Times(x, b._constant),
        (null, Var y) => Times(y, a._constant),
        (Var x, Var y) => x * y,
    };

    /// <inheritdoc />
    public static VarReal operator /(VarReal a, VarReal b) => (a._node, b._node) switch
    {
        (null, null) => From(a._constant / b._constant),
        (Var x, null) => x / Constant(x, b._constant),
        (null, Var y) => Constant(y, a._constant) / y,
        (Var x, Var y) => x / y,
    };

    /// <inheritdoc />
    public static VarReal operator -(VarReal a) => a._node is Var x ? -x : From(-a._constant);

    private static Var Times(Var x, float c) => c == 1f ? x : x * c;

    /// <summary><paramref name="value"/> as a one-element node on <paramref name="like"/>'s device (it broadcasts against any shape).</summary>
    private static Var Constant(Var like, float value) => Var.Intermediate(like.Device.Full(value, [1]));
}

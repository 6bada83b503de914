using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchEbm.Functions;
using TorchEbm.Traced;

namespace TorchEbm.Autodiff;

// Element-wise functions (exp, log, pow, trigonometry, activations), each a function struct with its derivative.
public sealed partial class Var
{
    /// <summary>Element-wise x^2.</summary>
    public Var Square() => Map(new Square());

    /// <summary>Element-wise e^x.</summary>
    public Var Exp() => Map(new Exp());

    /// <summary>Element-wise ln x.</summary>
    public Var Log() => Map(new Log());

    /// <summary>
    /// Element-wise x^p for a constant p (PyTorch's pow: NaN for a negative x with a non-integer p; small integer p by
    /// multiplication, so representable powers are exact and (-0)^-1 is -Infinity).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">p is not finite.</exception>
    public Var Pow(float p)
    {
        Check.Finite(p, nameof(p));
        return Map(new Power(p));
    }

    /// <summary>Element-wise sqrt x (NaN below 0).</summary>
    public Var Sqrt() => Map(new Functions.Sqrt());

    /// <summary>Element-wise |x| (gradient sign(x), 0 at 0).</summary>
    public Var Abs() => Map(new Functions.Abs());

    /// <summary>Element-wise sin x.</summary>
    public Var Sin() => Map(new Functions.Sin());

    /// <summary>Element-wise cos x.</summary>
    public Var Cos() => Map(new Functions.Cos());

    /// <summary>Element-wise tanh x.</summary>
    public Var Tanh() => Map(new Functions.Tanh());

    /// <summary>Element-wise 1 / (1 + e^-x).</summary>
    public Var Sigmoid() => Map(new Functions.Sigmoid());

    /// <summary>Element-wise ln(1 + e^x).</summary>
    public Var Softplus() => Map(new Functions.Softplus());

    /// <summary>Applies an activation element-wise (PyTorch's default constants: LeakyReLU slope 0.01, ELU alpha 1).</summary>
    public Var Apply(Activation activation) => ActivationFunctions.Visit<Var, MapVisitor>(activation, new MapVisitor(this));

    /// <summary>Element-wise f(x) for a function struct; its derivative drives the backward step.</summary>
    public Var Map<TFunction>(TFunction function) where TFunction : struct, IUnaryFunction
    {
        CheckLive(this);
        TraceStep step = UnaryCodes.Of(function, out float parameter) is UnaryCode code
            ? new TraceStep(TracedOp.Map, checked((int)Value.Length), (int)code, F0: parameter)
            : default;
        return new Var(Device.AllocateLike(Value), [this], new TapeNode(NodeKind.Map, Data: MapFunction<TFunction>.Of(function)), step: step).Computed();
    }

    /// <summary>Element-wise f^(order)(x), order 1 to 3: the node a create-graph backward step of f records.</summary>
    /// <remarks>A backward pass through an order-3 node would need the fourth derivative and is refused before it starts.</remarks>
    private Var MapDerivative<TFunction>(MapFunction<TFunction> function, int order) where TFunction : struct, IUnaryFunction
    {
        return new Var(Device.AllocateLike(Value), [this], new TapeNode(NodeKind.MapDerivative, I0: order, Data: function)).Computed();
    }

    /// <summary>The element-wise family's forward driver: f(x) (<see cref="NodeKind.Map"/>) or f^(k)(x) (<see cref="NodeKind.MapDerivative"/>, k = I0).</summary>
    private void FunctionForward() => ((MapFunction)_node.Data!).Forward(_parents[0].Value, Value, _node.Kind == NodeKind.Map ? 0 : _node.I0);

    /// <summary>
    /// The element-wise family's backward driver with kernels: this Var is f(x) (<see cref="NodeKind.Map"/>) or
    /// f^(k)(x) (<see cref="NodeKind.MapDerivative"/>, k = I0), and x's gradient gains g f'(x) or g f^(k+1)(x).
    /// </summary>
    private void FunctionBackward(Tensor g, Gradients grads)
    {
        Var x = _parents[0];
        if (grads.For(x) is Tensor gx) ((MapFunction)_node.Data!).Backward(x, g, gx, _node.I0);
    }

    /// <summary>The element-wise family's backward driver in Var ops (create-graph): g times the next derivative's node.</summary>
    private void FunctionGraphBackward(Var g, GraphGradients grads)
    {
        Var x = _parents[0];
        if (grads.Wants(x)) grads.Add(x, g * ((MapFunction)_node.Data!).Derivative(x, _node.I0 + 1));
    }

    /// <summary>
    /// An element-wise function as node data: the struct, kept in a class so a node can hold it without knowing its
    /// type, with the generic calls its backward steps make.
    /// </summary>
    private abstract class MapFunction
    {
        /// <summary>Writes f^(order)(x) into <paramref name="value"/> (order 0: f itself).</summary>
        public abstract void Forward(Tensor x, Tensor value, int order);

        /// <summary>Adds to <paramref name="gx"/> g f^(order + 1)(x) (order 0: the function's own backward step).</summary>
        public abstract void Backward(Var x, Tensor g, Tensor gx, int order);

        /// <summary>The node f^(order)(x), order 1 to 3.</summary>
        public abstract Var Derivative(Var x, int order);
    }

    /// <summary>
    /// <typeparamref name="TFunction"/> as node data. The last one made is reused when an op applies an equal function
    /// (compared bit for bit), so an op records no new object in a loop that applies the same functions.
    /// </summary>
    private sealed class MapFunction<TFunction>(TFunction function) : MapFunction where TFunction : struct, IUnaryFunction
    {
        private static MapFunction<TFunction>? s_last;

        public TFunction Function { get; } = function;

        /// <summary>The node data of <paramref name="function"/>: the last one made when it holds the same bits, else a new one.</summary>
        public static MapFunction<TFunction> Of(TFunction function)
        {
            MapFunction<TFunction>? last = s_last;
            if (last is not null && !RuntimeHelpers.IsReferenceOrContainsReferences<TFunction>())
            {
                TFunction kept = last.Function;
                if (MemoryMarshal.AsBytes(new ReadOnlySpan<TFunction>(ref kept)).SequenceEqual(MemoryMarshal.AsBytes(new ReadOnlySpan<TFunction>(ref function))))
                    return last;
            }
            return s_last = new MapFunction<TFunction>(function);
        }

        public override void Forward(Tensor x, Tensor value, int order)
        {
            if (order == 0) ElementwiseMap.Forward(x, value, Function);
            else ElementwiseMap.Derivative(x, value, Function, order);
        }

        public override void Backward(Var x, Tensor g, Tensor gx, int order)
        {
            if (order == 0) ElementwiseMap.Backward(x.Value, g, gx, Function);
            else ElementwiseMap.DerivativeBackward(x.Value, g, gx, Function, order);
        }

        public override Var Derivative(Var x, int order) => x.MapDerivative(this, order);
    }

    /// <summary>Applies the visited function with <see cref="Map{TFunction}"/>.</summary>
    private readonly struct MapVisitor(Var input) : IUnaryFunctionVisitor<Var>
    {
        public Var Visit<TFunction>(TFunction function) where TFunction : struct, IUnaryFunction => input.Map(function);
    }
}

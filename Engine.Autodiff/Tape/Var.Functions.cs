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
    public Var Apply(Activation activation) => activation.Accept(new MapVisitor(this));

    /// <summary>Element-wise f(x) for a function struct; its derivative drives the backward step.</summary>
    public Var Map<TFunction>(TFunction function) where TFunction : struct, IUnaryFunction
    {
        CheckLive(this);
        Tensor value = Device.AllocateLike(Value);
        ElementwiseMap.Forward(Value, value, function);
        TraceStep step = UnaryCodes.Of(function, out float parameter) is UnaryCode code
            ? new TraceStep(TracedOp.Map, checked((int)Value.Length), (int)code, F0: parameter)
            : default;
        return new Var(value, [this], (g, grads) =>
        {
            if (grads.For(this) is Tensor ga) ElementwiseMap.Backward(Value, g, ga, function);
        }, (g, grads) =>
        {
            if (grads.Wants(this)) grads.Add(this, g * MapDerivative(function, 1));
        }, step: step);
    }

    /// <summary>Element-wise f^(order)(x), order 1 to 3: the node a create-graph backward step of f records.</summary>
    /// <remarks>A backward pass through an order-3 node would need the fourth derivative and is refused before it starts.</remarks>
    private Var MapDerivative<TFunction>(TFunction function, int order) where TFunction : struct, IUnaryFunction
    {
        Tensor value = Device.AllocateLike(Value);
        ElementwiseMap.Derivative(Value, value, function, order);
        return new Var(value, [this], (g, grads) =>
        {
            if (grads.For(this) is Tensor ga) ElementwiseMap.DerivativeBackward(Value, g, ga, function, order);
        }, (g, grads) =>
        {
            if (grads.Wants(this)) grads.Add(this, g * MapDerivative(function, order + 1));
        }, derivativeOrder: order);
    }

    /// <summary>Applies the visited function with <see cref="Map{TFunction}"/>.</summary>
    private sealed class MapVisitor(Var input) : IUnaryFunctionVisitor<Var>
    {
        public Var Visit<TFunction>(TFunction function) where TFunction : struct, IUnaryFunction => input.Map(function);
    }
}

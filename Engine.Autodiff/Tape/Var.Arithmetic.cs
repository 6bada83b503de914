using TorchEbm.Elementwise;
using TorchEbm.Traced;

namespace TorchEbm.Autodiff;

// Element-wise arithmetic: + - * / between Vars (broadcasting as PyTorch) and with scalars.
public sealed partial class Var
{
    /// <summary>Element-wise a + b; shapes broadcast as in PyTorch (e.g. (n, d) + (1, d), (n, d) + (n, 1), (n, d) + (d)).</summary>
    public static Var operator +(Var a, Var b) => SameShape(a, b) ? Combine(a, b, 1f) : Broadcasting(a, b, Arithmetic.Add, "+");

    /// <summary>Element-wise a - b, broadcasting as <see cref="op_Addition(Var, Var)"/>.</summary>
    public static Var operator -(Var a, Var b) => SameShape(a, b) ? Combine(a, b, -1f) : Broadcasting(a, b, Arithmetic.Subtract, "-");

    /// <summary>Element-wise a / b, broadcasting as <see cref="op_Addition(Var, Var)"/> (IEEE division: x / 0 is infinite).</summary>
    public static Var operator /(Var a, Var b) => Broadcasting(a, b, Arithmetic.Divide, "/");

    /// <summary>Element-wise a * b, broadcasting as <see cref="op_Addition(Var, Var)"/>.</summary>
    public static Var operator *(Var a, Var b)
    {
        if (!SameShape(a, b)) return Broadcasting(a, b, Arithmetic.Multiply, "*");
        return new Var(a.Device.AllocateLike(a.Value), [a, b], new TapeNode(NodeKind.Multiply), step: Elementwise(Arithmetic.Multiply, a)).Computed();
    }

    /// <summary>a * s for a scalar s.</summary>
    public static Var operator *(Var a, float s) => Scale(a, s);

    /// <summary>s * a for a scalar s.</summary>
    public static Var operator *(float s, Var a) => Scale(a, s);

    /// <summary>a / s for a non-zero scalar s.</summary>
    /// <exception cref="ArgumentOutOfRangeException">s is zero or not finite.</exception>
    public static Var operator /(Var a, float s)
    {
        if (s == 0f || !float.IsFinite(s)) throw new ArgumentOutOfRangeException(nameof(s), s, "The divisor must be finite and non-zero.");
        return Scale(a, 1f / s);
    }

    /// <summary>-a.</summary>
    public static Var operator -(Var a) => Scale(a, -1f);

    /// <summary>a + s for a scalar s (every element).</summary>
    public static Var operator +(Var a, float s) => Affine(a, 1f, s);

    /// <summary>s + a for a scalar s.</summary>
    public static Var operator +(float s, Var a) => Affine(a, 1f, s);

    /// <summary>a - s for a scalar s.</summary>
    public static Var operator -(Var a, float s) => Affine(a, 1f, -s);

    /// <summary>s - a for a scalar s.</summary>
    public static Var operator -(float s, Var a) => Affine(a, -1f, s);

    /// <summary>A constant of the graph that reads <paramref name="value"/> (not owned: the caller keeps and frees it), e.g. a model's fixed matrix.</summary>
    public static Var Constant(Tensor value) => Borrowed(value);

    /// <summary>a + sign * b for operands of one shape (checked live by <see cref="SameShape"/>).</summary>
    private static Var Combine(Var a, Var b, float sign)
    {
        return new Var(a.Device.AllocateLike(a.Value), [a, b], new TapeNode(NodeKind.Combine, F0: sign),
            step: Elementwise(CombineOp(sign), a)).Computed();
    }

    /// <summary>The op code of a <see cref="NodeKind.Combine"/> node of sign +1 (a + b) or -1 (a - b).</summary>
    private static int CombineOp(float sign) => sign == 1f ? Arithmetic.Add : Arithmetic.Subtract;

    /// <summary>scale * a + shift element-wise.</summary>
    private static Var Affine(Var a, float scale, float shift)
    {
        CheckLive(a);
        Check.Finite(shift, "s");
        return new Var(a.Device.AllocateLike(a.Value), [a], new TapeNode(NodeKind.Affine, F0: scale, F1: shift),
            step: new TraceStep(TracedOp.Affine, checked((int)a.Value.Length), F0: scale, F1: shift)).Computed();
    }

    private static Var Scale(Var a, float s)
    {
        CheckLive(a);
        return new Var(a.Device.AllocateLike(a.Value), [a], new TapeNode(NodeKind.Affine, I0: 1, F0: s),
            step: new TraceStep(TracedOp.Affine, checked((int)a.Value.Length), F0: s)).Computed();
    }

    /// <summary>a op b with PyTorch's broadcasting over rank 1 and 2 (a rank-1 operand is a row (1, d)).</summary>
    private static Var Broadcasting(Var a, Var b, int op, string name)
    {
        CheckLive(a, b);
        if (a.Value.Rank > 2 || b.Value.Rank > 2)
            throw new ArgumentException($"Operator {name} broadcasts ranks 1 and 2, got {Shapes.Format(a.Value.Shape)} and {Shapes.Format(b.Value.Shape)}.");
        (int ar, int ac) = AsMatrix(a.Value);
        (int br, int bc) = AsMatrix(b.Value);
        int rows = Math.Max(ar, br), cols = Math.Max(ac, bc);
        if ((ar != rows && ar != 1) || (br != rows && br != 1) || (ac != cols && ac != 1) || (bc != cols && bc != 1))
            throw new ArgumentException($"Operator {name}: shapes {Shapes.Format(a.Value.Shape)} and {Shapes.Format(b.Value.Shape)} do not broadcast (each dimension must match or be 1).");
        int[] outShape = a.Value.Rank == 1 && b.Value.Rank == 1 ? [cols] : [rows, cols];
        return new Var(a.Device.Allocate(outShape), [a, b], new TapeNode(NodeKind.Broadcast, I0: op),
            step: new TraceStep(TracedOp.Binary, op, rows, cols, ar, ac, br, bc)).Computed();
    }

    /// <summary>The broadcast of operands shaped as <paramref name="a"/> and <paramref name="b"/> (checked to broadcast by the op).</summary>
    private static Broadcast BroadcastOf(Tensor a, Tensor b)
    {
        (int ar, int ac) = AsMatrix(a);
        (int br, int bc) = AsMatrix(b);
        return new Broadcast(Math.Max(ar, br), Math.Max(ac, bc), ar, ac, br, bc);
    }

    /// <summary>The arithmetic family's forward driver: this Var's value is a + - * / of its parents' (<see cref="NodeKind.Multiply"/> .. <see cref="NodeKind.Broadcast"/>).</summary>
    private void ArithmeticForward()
    {
        Tensor a = _parents[0].Value;
        switch (_node.Kind)
        {
            case NodeKind.Multiply:
                ElementwiseOps.Multiply(Device, a.View, _parents[1].Value.View, Value.View);
                break;
            case NodeKind.Combine:
                ElementwiseOps.Combine(Device, a.View, _parents[1].Value.View, Value.View, _node.F0);
                break;
            case NodeKind.Affine when _node.I0 == 1: // Scale
                ElementwiseOps.Scale(Device, a.View, Value.View, _node.F0);
                break;
            case NodeKind.Affine:
                ElementwiseOps.Affine(Device, a.View, Value.View, _node.F0, _node.F1);
                break;
            default: // Broadcast
            {
                Tensor b = _parents[1].Value;
                ElementwiseOps.BroadcastForward(Device, a.View, b.View, Value.View, BroadcastOf(a, b), _node.I0);
                break;
            }
        }
    }

    /// <summary>The arithmetic family's backward driver with kernels: this Var is a + - * / of its parents (<see cref="NodeKind.Multiply"/> .. <see cref="NodeKind.Broadcast"/>).</summary>
    private void ArithmeticBackward(Tensor g, Gradients grads)
    {
        Var a = _parents[0];
        Tensor? ga = grads.For(a);
        switch (_node.Kind)
        {
            case NodeKind.Multiply:
            {
                Var b = _parents[1];
                if (ga is not null) ElementwiseOps.MultiplyAdd(Device, g.View, b.Value.View, ga.View);
                if (grads.For(b) is Tensor gb) ElementwiseOps.MultiplyAdd(Device, g.View, a.Value.View, gb.View);
                break;
            }
            case NodeKind.Combine:
                if (ga is not null) ElementwiseOps.AddScaled(Device, g.View, ga.View, 1f);
                if (grads.For(_parents[1]) is Tensor gc) ElementwiseOps.AddScaled(Device, g.View, gc.View, _node.F0);
                break;
            case NodeKind.Affine:
                if (ga is not null) ElementwiseOps.AddScaled(Device, g.View, ga.View, _node.F0);
                break;
            default: // Broadcast
            {
                Var b = _parents[1];
                Broadcast shape = BroadcastOf(a.Value, b.Value);
                if (ga is not null) ElementwiseOps.BroadcastBackward(Device, g.View, a.Value.View, b.Value.View, ga.View, shape, _node.I0, 0);
                if (grads.For(b) is Tensor gb) ElementwiseOps.BroadcastBackward(Device, g.View, a.Value.View, b.Value.View, gb.View, shape, _node.I0, 1);
                break;
            }
        }
    }

    /// <summary>
    /// The arithmetic family's backward driver in Var ops (create-graph): the same step as <see cref="ArithmeticBackward"/>,
    /// each operand's gradient g * dz/d(operand) with the partial derivative of the op's struct over graph nodes
    /// (<see cref="VarReal"/>), summed over the dimensions the operand was broadcast along.
    /// </summary>
    private void ArithmeticGraphBackward(Var g, GraphGradients grads)
    {
        Var a = _parents[0];
        if (_node.Kind == NodeKind.Affine)
        {
            // Scale (I0 = 1) multiplies even by 1, as it always did; Affine skips the product at scale 1.
            if (grads.Wants(a)) grads.Add(a, _node.I0 == 0 && _node.F0 == 1f ? g : g * _node.F0);
            return;
        }
        int op = _node.Kind switch
        {
            NodeKind.Multiply => Arithmetic.Multiply,
            NodeKind.Combine => CombineOp(_node.F0),
            _ => _node.I0, // Broadcast
        };
        var step = new GraphPartials(g, a, _parents[1], grads);
        Arithmetic.Visit(op, ref step);
    }

    /// <summary>Adds g * dz/da and g * dz/db of the visited op to the operands that want a gradient, in Var ops.</summary>
    private readonly struct GraphPartials(Var g, Var a, Var b, GraphGradients grads) : IBinaryVisitor
    {
        public void Visit<TOp>() where TOp : struct, IBinaryOp
        {
            if (grads.Wants(a)) grads.Add(a, SumTo((g * TOp.PartialX<VarReal>(a, b)).Node, a.Value.SharedShape));
            if (grads.Wants(b)) grads.Add(b, SumTo((g * TOp.PartialY<VarReal>(a, b)).Node, b.Value.SharedShape));
        }
    }

    /// <summary>
    /// <paramref name="g"/> (a broadcast result) summed over the dimensions <paramref name="shape"/> was broadcast along:
    /// the gradient of an operand of that shape, in Var ops.
    /// </summary>
    private static Var SumTo(Var g, int[] shape)
    {
        if (g.Value.SharedShape.AsSpan().SequenceEqual(shape)) return g;
        long length = 1;
        foreach (int size in shape) length *= size;
        if (length == g.Value.Length) return g.Reshape(shape);
        if (length == 1) return g.Sum().Reshape(shape);
        (int rows, int cols) = AsMatrix(g.Value);
        (int r, _) = shape.Length == 1 ? (1, shape[0]) : (shape[0], shape[1]);
        // One dimension was broadcast: rows (keep the columns) or columns (keep the rows).
        return (r == 1 && rows > 1 ? g.Sum(0) : g.Sum(1)).Reshape(shape);
    }

    /// <summary><paramref name="g"/> (shape (1), (d), (n, 1) or (1, d) ...) broadcast to <paramref name="shape"/> (rank 1 or 2), in Var ops.</summary>
    private static Var Expand(Var g, int[] shape) => Broadcasting(Intermediate(g.Device.Zeros(shape)), g, 0, "+");

    /// <summary>The trace step of a same-shape element-wise op (one row of a's length against another).</summary>
    private static TraceStep Elementwise(int op, Var a)
    {
        int length = checked((int)a.Value.Length);
        return new TraceStep(TracedOp.Binary, op, 1, length, 1, length, 1, length);
    }

    private static (int Rows, int Cols) AsMatrix(Tensor t) => t.Rank == 1 ? (1, t.Dim(0)) : (t.Dim(0), t.Dim(1));
}

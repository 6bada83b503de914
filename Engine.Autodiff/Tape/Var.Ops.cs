using ILGPU.Runtime;
using TorchEbm.Elementwise;
using TorchEbm.Functions;
using TorchEbm.LinearAlgebra;
using TorchEbm.Reductions;

namespace TorchEbm.Autodiff;

// The differentiable ops. Each checks its operands on the host (before any launch), computes its value with a
// kernel, and records a local backward step that adds its inputs' gradients with kernels.
public sealed partial class Var
{
    /// <summary>Element-wise a + b; shapes broadcast as in PyTorch (e.g. (n, d) + (1, d), (n, d) + (n, 1), (n, d) + (d)).</summary>
    public static Var operator +(Var a, Var b) => SameShape(a, b) ? Combine(a, b, 1f, "+") : Broadcasting(a, b, 0, "+");

    /// <summary>Element-wise a - b, broadcasting as <see cref="op_Addition(Var, Var)"/>.</summary>
    public static Var operator -(Var a, Var b) => SameShape(a, b) ? Combine(a, b, -1f, "-") : Broadcasting(a, b, 1, "-");

    /// <summary>Element-wise a / b, broadcasting as <see cref="op_Addition(Var, Var)"/> (IEEE division: x / 0 is infinite).</summary>
    public static Var operator /(Var a, Var b) => Broadcasting(a, b, 3, "/");

    /// <summary>Element-wise a * b, broadcasting as <see cref="op_Addition(Var, Var)"/>.</summary>
    public static Var operator *(Var a, Var b)
    {
        if (!SameShape(a, b)) return Broadcasting(a, b, 2, "*");
        CheckSameShape(a, b, "*");
        Tensor value = a.Device.Allocate(a.Value.Shape);
        a.Device.Launch(ElementwiseKernels.Multiply, value.Length, a.Value.View, b.Value.View, value.View);
        return new Var(value, [a, b], (g, grads) =>
        {
            if (grads.For(a) is Tensor ga) a.Device.Launch(ElementwiseKernels.MultiplyAdd, g.Length, g.View, b.Value.View, ga.View);
            if (grads.For(b) is Tensor gb) a.Device.Launch(ElementwiseKernels.MultiplyAdd, g.Length, g.View, a.Value.View, gb.View);
        });
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

    /// <summary>Column <paramref name="column"/> of this (n, d) matrix, shape (n): x[:, j].</summary>
    /// <exception cref="ArgumentException">This Var is not (n, d), or the column is outside [0, d).</exception>
    public Var Column(int column)
    {
        CheckColumns(column, 1, nameof(column));
        return Gather(column, 1, [Value.Dim(0)]);
    }

    /// <summary>Columns <paramref name="start"/> .. start + count - 1 of this (n, d) matrix, shape (n, count): x[:, start:start + count].</summary>
    /// <exception cref="ArgumentException">This Var is not (n, d), or the range leaves [0, d) or is empty.</exception>
    public Var Columns(int start, int count)
    {
        CheckColumns(start, count, nameof(count));
        return Gather(start, count, [Value.Dim(0), count]);
    }

    /// <summary>
    /// Sums along dimension <paramref name="dim"/> of this (n, d) matrix: dim 1 gives the row sums (n) (an energy per
    /// sample from per-coordinate terms), dim 0 the column sums (d).
    /// </summary>
    /// <exception cref="ArgumentException">This Var is not rank 2, or dim is not 0 or 1.</exception>
    public Var Sum(int dim) => SumAlong(dim, mean: false);

    /// <summary>Means along dimension <paramref name="dim"/> of this (n, d) matrix (see <see cref="Sum(int)"/>).</summary>
    public Var Mean(int dim) => SumAlong(dim, mean: true);

    /// <summary>
    /// log sum exp along dimension <paramref name="dim"/> of this (n, d) matrix, shifted by the maximum (stable): dim 1
    /// gives (n), e.g. a mixture's -energy from per-component log densities; dim 0 gives (d).
    /// </summary>
    /// <exception cref="ArgumentException">This Var is not rank 2, or dim is not 0 or 1.</exception>
    public Var LogSumExp(int dim)
    {
        CheckLive(this);
        if (Value.Rank != 2)
            throw new ArgumentException($"LogSumExp needs an (n, d) Var, got shape {Shapes.Format(Value.Shape)}.", nameof(dim));
        if (dim is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be 0 (over rows) or 1 (over columns).");
        int n = Value.Dim(0), d = Value.Dim(1);
        (int outputs, int inner, int outerStride, int innerStride) = dim == 1 ? (n, d, d, 1) : (d, n, 1, d);
        Tensor value = Device.Allocate([outputs]);
        Device.Launch(ColumnKernels.LogSumExp, outputs, Value.View, value.View, inner, outerStride, innerStride);
        return new Var(value, [this], (g, grads) =>
        {
            if (grads.For(this) is Tensor ga)
                Device.Launch(ColumnKernels.LogSumExpBackward, outputs, Value.View, value.View, g.View, ga.View, inner, outerStride, innerStride);
        });
    }

    /// <summary>
    /// The parts joined along dimension <paramref name="dim"/>: (n, d_i) parts side by side into (n, sum d_i) with dim 1,
    /// (n_i, d) parts stacked into (sum n_i, d) with dim 0.
    /// </summary>
    /// <exception cref="ArgumentException">No part, a part not rank 2, or parts whose other dimension differs.</exception>
    public static Var Concat(IReadOnlyList<Var> parts, int dim = 1)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0) throw new ArgumentException("Concat needs at least one part.", nameof(parts));
        CheckLive([.. parts]);
        if (dim is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be 0 (stack rows) or 1 (join columns).");
        int other = 1 - dim, shared = parts[0].Value.Rank == 2 ? parts[0].Value.Dim(other) : -1;
        foreach (Var p in parts)
            if (p.Value.Rank != 2 || p.Value.Dim(other) != shared)
                throw new ArgumentException(
                    $"Concat along dim {dim} needs rank-2 parts with equal dimension {other}, got {string.Join(" and ", parts.Select(q => Shapes.Format(q.Value.Shape)))}.", nameof(parts));
        Device device = parts[0].Device;
        int total = parts.Sum(p => p.Value.Dim(dim));
        int[] shape = dim == 1 ? [shared, total] : [total, shared];
        Tensor value = device.Zeros(shape);
        var offsets = new int[parts.Count];
        for (int i = 0, offset = 0; i < parts.Count; offset += parts[i].Value.Dim(dim), i++)
        {
            offsets[i] = offset;
            Tensor part = parts[i].Value;
            if (dim == 1) device.Launch(ColumnKernels.ScatterAdd, part.Length, part.View, value.View, total, offset, part.Dim(1));
            else part.View.CopyTo(value.View.SubView((long)offset * shared, part.Length));
        }
        Var[] parents = [.. parts];
        return new Var(value, parents, (g, grads) =>
        {
            for (int i = 0; i < parents.Length; i++)
            {
                if (grads.For(parents[i]) is not Tensor gp) continue;
                if (dim == 1) device.Launch(ColumnKernels.Gather, gp.Length, g.View, gp.View, total, offsets[i], gp.Dim(1), 1);
                else device.Launch(ElementwiseKernels.AddScaled, gp.Length, g.View.SubView((long)offsets[i] * shared, gp.Length), gp.View, 1f);
            }
        });
    }

    /// <summary>Matrix product of this (m, k) and <paramref name="b"/> (k, n): shape (m, n).</summary>
    public Var MatMul(Var b)
    {
        CheckLive(this, b);
        int m = MatrixDim(this, 0, "MatMul"), k = MatrixDim(this, 1, "MatMul");
        if (b.Value.Rank != 2 || b.Value.Dim(0) != k)
            throw new ArgumentException($"MatMul needs (m, k) x (k, n), got {Shapes.Format(Value.Shape)} x {Shapes.Format(b.Value.Shape)}.", nameof(b));
        int n = b.Value.Dim(1);
        Tensor value = Product(Value, b.Value, [m, n], MatMulShape.Of(m, n, k, false, false, false));
        return new Var(value, [this, b], (g, grads) =>
        {
            if (grads.For(this) is Tensor ga) Product(g, b.Value, ga, MatMulShape.Of(m, k, n, false, true, true));
            if (grads.For(b) is Tensor gb) Product(Value, g, gb, MatMulShape.Of(k, n, m, true, false, true));
        });
    }

    /// <summary>This (m, k) times the transpose of <paramref name="b"/> (n, k): shape (m, n); a linear layer's x W^T.</summary>
    public Var MatMulTransposed(Var b)
    {
        CheckLive(this, b);
        int m = MatrixDim(this, 0, "MatMulTransposed"), k = MatrixDim(this, 1, "MatMulTransposed");
        if (b.Value.Rank != 2 || b.Value.Dim(1) != k)
            throw new ArgumentException($"MatMulTransposed needs (m, k) x (n, k), got {Shapes.Format(Value.Shape)} x {Shapes.Format(b.Value.Shape)}.", nameof(b));
        int n = b.Value.Dim(0);
        Tensor value = Product(Value, b.Value, [m, n], MatMulShape.Of(m, n, k, false, true, false));
        return new Var(value, [this, b], (g, grads) =>
        {
            if (grads.For(this) is Tensor ga) Product(g, b.Value, ga, MatMulShape.Of(m, k, n, false, false, true));
            if (grads.For(b) is Tensor gb) Product(g, Value, gb, MatMulShape.Of(n, k, m, true, false, true));
        });
    }

    /// <summary>This (n, m) plus <paramref name="bias"/> (m) added to every row.</summary>
    public Var AddBias(Var bias)
    {
        CheckLive(this, bias);
        if (Value.Rank != 2 || bias.Value.Rank != 1 || bias.Value.Dim(0) != Value.Dim(1))
            throw new ArgumentException($"AddBias needs (n, m) + (m), got {Shapes.Format(Value.Shape)} + {Shapes.Format(bias.Value.Shape)}.", nameof(bias));
        Tensor value = Device.Allocate(Value.Shape);
        Device.Launch(ElementwiseKernels.AddRow, value.Length, Value.View, bias.Value.View, value.View);
        return new Var(value, [this, bias], (g, grads) =>
        {
            if (grads.For(this) is Tensor ga) Device.Launch(ElementwiseKernels.AddScaled, g.Length, g.View, ga.View, 1f);
            if (grads.For(bias) is Tensor gb) Device.Launch(ReductionKernels.ColumnSums, gb.Length, g.View, gb.View, 1);
        });
    }

    /// <summary>The sum of all elements: shape (1), summed in a fixed order.</summary>
    public Var Sum() => Reduce(1f);

    /// <summary>The mean of all elements: shape (1).</summary>
    public Var Mean() => Reduce(1f / Value.Length);

    /// <summary>Element-wise x^2.</summary>
    public Var Square() => Map(new Square());

    /// <summary>Element-wise e^x.</summary>
    public Var Exp() => Map(new Exp());

    /// <summary>Element-wise ln x.</summary>
    public Var Log() => Map(new Log());

    /// <summary>Element-wise x^p for a constant p (PyTorch's pow: NaN for a negative x with a non-integer p).</summary>
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

    /// <summary>The same elements in a new shape (a copy), e.g. (n, 1) to (n).</summary>
    public Var Reshape(params int[] shape)
    {
        CheckLive(this);
        Tensor value = Value.Reshape(shape);
        return new Var(value, [this], (g, grads) =>
        {
            if (grads.For(this) is Tensor ga) Device.Launch(ElementwiseKernels.AddScaled, g.Length, g.View, ga.View, 1f);
        });
    }

    /// <summary>Elements <paramref name="start"/> .. start + length - 1 of a rank-1 Var (a copy), e.g. one part of a batch.</summary>
    /// <exception cref="ArgumentException">This Var is not rank 1, or the range leaves it.</exception>
    public Var Slice(int start, int length)
    {
        CheckLive(this);
        if (Value.Rank != 1)
            throw new ArgumentException($"Slice takes a rank-1 Var, got shape {Shapes.Format(Value.Shape)}.");
        if (start < 0 || length < 1 || (long)start + length > Value.Length)
            throw new ArgumentOutOfRangeException(nameof(length), length,
                $"Slice [{start}, {(long)start + length}) leaves a Var of {Value.Length} elements (length must be >= 1).");
        Tensor value = Device.Allocate([length]);
        Value.View.SubView(start, length).CopyTo(value.View);
        return new Var(value, [this], (g, grads) =>
        {
            if (grads.For(this) is Tensor ga) Device.Launch(ElementwiseKernels.AddScaled, length, g.View, ga.View.SubView(start, length), 1f);
        });
    }

    /// <summary>Element-wise f(x) for a function struct; its derivative drives the backward step.</summary>
    public Var Map<TFunction>(TFunction function) where TFunction : struct, IUnaryFunction
    {
        CheckLive(this);
        Tensor value = Device.Allocate(Value.Shape);
        Device.Launch(UnaryKernels.Forward, value.Length, Value.View, value.View, function);
        return new Var(value, [this], (g, grads) =>
        {
            if (grads.For(this) is Tensor ga) Device.Launch(UnaryKernels.Backward, g.Length, Value.View, g.View, ga.View, function);
        });
    }

    /// <summary>Applies the visited function with <see cref="Map{TFunction}"/>.</summary>
    private sealed class MapVisitor(Var input) : IUnaryFunctionVisitor<Var>
    {
        public Var Visit<TFunction>(TFunction function) where TFunction : struct, IUnaryFunction => input.Map(function);
    }

    private static Var Combine(Var a, Var b, float sign, string op)
    {
        CheckSameShape(a, b, op);
        Tensor value = a.Device.Allocate(a.Value.Shape);
        a.Device.Launch(ElementwiseKernels.Combine, value.Length, a.Value.View, b.Value.View, value.View, sign);
        return new Var(value, [a, b], (g, grads) =>
        {
            if (grads.For(a) is Tensor ga) a.Device.Launch(ElementwiseKernels.AddScaled, g.Length, g.View, ga.View, 1f);
            if (grads.For(b) is Tensor gb) a.Device.Launch(ElementwiseKernels.AddScaled, g.Length, g.View, gb.View, sign);
        });
    }

    /// <summary>scale * a + shift element-wise.</summary>
    private static Var Affine(Var a, float scale, float shift)
    {
        CheckLive(a);
        Check.Finite(shift, "s");
        Tensor value = a.Device.Allocate(a.Value.Shape);
        a.Device.Launch(ElementwiseKernels.Affine, value.Length, a.Value.View, value.View, scale, shift);
        return new Var(value, [a], (g, grads) =>
        {
            if (grads.For(a) is Tensor ga) a.Device.Launch(ElementwiseKernels.AddScaled, g.Length, g.View, ga.View, scale);
        });
    }

    private void CheckColumns(int start, int count, string name)
    {
        CheckLive(this);
        if (Value.Rank != 2)
            throw new ArgumentException($"Column selection needs an (n, d) Var, got shape {Shapes.Format(Value.Shape)}.", name);
        int d = Value.Dim(1);
        if (start < 0 || count < 1 || (long)start + count > d)
            throw new ArgumentOutOfRangeException(name, count == 1 ? start : count,
                $"Columns [{start}, {(long)start + count}) leave the {d} columns of shape {Shapes.Format(Value.Shape)} (at least one column).");
    }

    private Var Gather(int start, int count, int[] shape)
    {
        int d = Value.Dim(1);
        Tensor value = Device.Allocate(shape);
        Device.Launch(ColumnKernels.Gather, value.Length, Value.View, value.View, d, start, count, 0);
        return new Var(value, [this], (g, grads) =>
        {
            if (grads.For(this) is Tensor ga) Device.Launch(ColumnKernels.ScatterAdd, g.Length, g.View, ga.View, d, start, count);
        });
    }

    private Var SumAlong(int dim, bool mean)
    {
        CheckLive(this);
        if (Value.Rank != 2)
            throw new ArgumentException($"Sum/Mean along a dimension needs an (n, d) Var, got shape {Shapes.Format(Value.Shape)}.", nameof(dim));
        if (dim is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be 0 (over rows) or 1 (over columns).");
        int n = Value.Dim(0), d = Value.Dim(1);
        if (dim == 1)
        {
            float factor = mean ? 1f / d : 1f;
            Tensor rows = Device.Allocate([n]);
            Device.Launch(ColumnKernels.RowSums, n, Value.View, rows.View, d, factor);
            return new Var(rows, [this], (g, grads) =>
            {
                if (grads.For(this) is Tensor ga) Device.Launch(ColumnKernels.AddToRows, ga.Length, g.View, ga.View, d, factor);
            });
        }
        Tensor columns = Device.Allocate([d]);
        Device.Launch(ReductionKernels.ColumnSums, d, Value.View, columns.View, 0);
        if (mean) Device.Launch(ElementwiseKernels.Scale, d, columns.View, columns.View, 1f / n);
        float scale = mean ? 1f / n : 1f;
        return new Var(columns, [this], (g, grads) =>
        {
            if (grads.For(this) is not Tensor ga) return;
            using Tensor scaled = Device.Allocate([d]);
            Device.Launch(ElementwiseKernels.Scale, d, g.View, scaled.View, scale);
            Device.Launch(ElementwiseKernels.AddRow, ga.Length, ga.View, scaled.View, ga.View);
        });
    }

    private static Var Scale(Var a, float s)
    {
        CheckLive(a);
        Tensor value = a.Device.Allocate(a.Value.Shape);
        a.Device.Launch(ElementwiseKernels.Scale, value.Length, a.Value.View, value.View, s);
        return new Var(value, [a], (g, grads) =>
        {
            if (grads.For(a) is Tensor ga) a.Device.Launch(ElementwiseKernels.AddScaled, g.Length, g.View, ga.View, s);
        });
    }

    /// <summary>factor * (sum of all elements), shape (1).</summary>
    private Var Reduce(float factor)
    {
        CheckLive(this);
        Tensor value = Reductions.Reduce.Sum(Value);
        if (factor != 1f) Device.Launch(ElementwiseKernels.Scale, 1, value.View, value.View, factor);
        return new Var(value, [this], (g, grads) =>
        {
            if (grads.For(this) is Tensor ga) Device.Launch(ElementwiseKernels.AddBroadcast, ga.Length, g.View, ga.View, factor);
        });
    }

    private static Tensor Product(Tensor a, Tensor b, int[] shape, MatMulShape product)
    {
        Tensor c = a.Device.Allocate(shape);
        Product(a, b, c, product);
        return c;
    }

    /// <summary>
    /// C (+)= A B: on a GPU the shared-memory tiled kernel, on the CPU accelerator the register-blocked one (where
    /// shared memory buys nothing and each group barrier costs an OS-thread synchronisation).
    /// </summary>
    private static void Product(Tensor a, Tensor b, Tensor c, MatMulShape product)
    {
        if (a.Device.Kind == DeviceKind.Cuda)
            a.Device.Launch(MatMulKernels.MultiplyTiled, MatMulKernels.TiledWorkItems(product), a.View, b.View, c.View, product);
        else
            a.Device.Launch(MatMulKernels.Multiply, MatMulKernels.WorkItems(product), a.View, b.View, c.View, product);
    }

    private static int MatrixDim(Var v, int axis, string op) => v.Value.Rank == 2
        ? v.Value.Dim(axis)
        : throw new ArgumentException($"{op} needs a matrix, got shape {Shapes.Format(v.Value.Shape)}.");

    private static void CheckLive(params Var[] vars)
    {
        foreach (Var v in vars)
        {
            ArgumentNullException.ThrowIfNull(v);
            ObjectDisposedException.ThrowIf(v.IsDisposed, v);
            if (!ReferenceEquals(v.Device, vars[0].Device))
                throw new ArgumentException($"Operands live on different devices: {vars[0].Device} and {v.Device}.");
        }
    }

    private static bool SameShape(Var a, Var b)
    {
        CheckLive(a, b);
        return a.Value.Shape.AsSpan().SequenceEqual(b.Value.Shape);
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
        var shape = new Broadcast(rows, cols, ar, ac, br, bc);
        int[] outShape = a.Value.Rank == 1 && b.Value.Rank == 1 ? [cols] : [rows, cols];
        Tensor value = a.Device.Allocate(outShape);
        a.Device.Launch(BroadcastKernels.Forward, value.Length, a.Value.View, b.Value.View, value.View, shape, op);
        return new Var(value, [a, b], (g, grads) =>
        {
            if (grads.For(a) is Tensor ga) a.Device.Launch(BroadcastKernels.Backward, ga.Length, g.View, a.Value.View, b.Value.View, ga.View, shape, op, 0);
            if (grads.For(b) is Tensor gb) a.Device.Launch(BroadcastKernels.Backward, gb.Length, g.View, a.Value.View, b.Value.View, gb.View, shape, op, 1);
        });
    }

    private static (int Rows, int Cols) AsMatrix(Tensor t) => t.Rank == 1 ? (1, t.Dim(0)) : (t.Dim(0), t.Dim(1));

    private static void CheckSameShape(Var a, Var b, string op)
    {
        CheckLive(a, b);
        if (!a.Value.Shape.AsSpan().SequenceEqual(b.Value.Shape))
            throw new ArgumentException($"Operator {op} needs equal shapes, got {Shapes.Format(a.Value.Shape)} and {Shapes.Format(b.Value.Shape)}.");
    }
}

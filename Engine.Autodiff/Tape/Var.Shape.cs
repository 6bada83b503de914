using ILGPU.Runtime;
using TorchEbm.Elementwise;
using TorchEbm.Traced;

namespace TorchEbm.Autodiff;

// Shape ops: columns, concatenation, reshape, slices.
public sealed partial class Var
{
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
    /// The parts joined along dimension <paramref name="dim"/>: (n, d_i) parts side by side into (n, sum d_i) with dim 1,
    /// (n_i, d) parts stacked into (sum n_i, d) with dim 0.
    /// </summary>
    /// <exception cref="ArgumentException">No part, a part not rank 2, or parts whose other dimension differs.</exception>
    public static Var Concat(IReadOnlyList<Var> parts, int dim = 1)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0) throw new ArgumentException("Concat needs at least one part.", nameof(parts));
        foreach (Var part in parts) CheckLive(parts[0], part);
        if (dim is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be 0 (stack rows) or 1 (join columns).");
        int other = 1 - dim, shared = parts[0].Value.Rank == 2 ? parts[0].Value.Dim(other) : -1;
        foreach (Var p in parts)
            if (p.Value.Rank != 2 || p.Value.Dim(other) != shared)
                throw new ArgumentException(
                    $"Concat along dim {dim} needs rank-2 parts with equal dimension {other}, got {string.Join(" and ", parts.Select(q => Shapes.Format(q.Value.Shape)))}.", nameof(parts));
        Device device = parts[0].Device;
        int total = parts.Sum(p => p.Value.Dim(dim));
        int[] shape = dim == 1 ? [shared, total] : [total, shared];
        var offsets = new int[parts.Count];
        for (int i = 0, offset = 0; i < parts.Count; offset += parts[i].Value.Dim(dim), i++) offsets[i] = offset;
        return new Var(device.Allocate(shape), [.. parts], new TapeNode(NodeKind.Concat, I0: dim, Data: offsets),
            step: new TraceStep(TracedOp.Place, dim, MixesRows: dim == 0)).Computed();
    }

    /// <summary>The same elements in a new shape (a copy), e.g. (n, 1) to (n).</summary>
    public Var Reshape(params int[] shape)
    {
        CheckLive(this);
        ArgumentNullException.ThrowIfNull(shape);
        int length = Check.ShapeLength(shape, nameof(shape));
        if (length != Value.Length)
            throw new ArgumentException(
                $"Cannot reshape a tensor of shape {Shapes.Format(Value.Shape)} ({Value.Length} elements) to {Shapes.Format(shape)} ({length} elements).",
                nameof(shape));
        return new Var(Device.Allocate(shape), [this], new TapeNode(NodeKind.Reshape), step: TraceStep.Reshape).Computed();
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
        return new Var(Device.Allocate([length]), [this], new TapeNode(NodeKind.Slice, I0: start, I1: length),
            step: new TraceStep(TracedOp.Gather, 1, checked((int)Value.Length), start, length, MixesRows: true)).Computed();
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
        return new Var(Device.Allocate(shape), [this], new TapeNode(NodeKind.Gather, I0: start, I1: count),
            step: new TraceStep(TracedOp.Gather, Value.Dim(0), Value.Dim(1), start, count)).Computed();
    }

    /// <summary>The shape ops' forward driver: this Var's value is its parents' joined (<see cref="NodeKind.Concat"/>), or a
    /// reshape, slice or column range of its one parent's.</summary>
    private void ShapeForward()
    {
        Tensor x = _parents[0].Value;
        switch (_node.Kind)
        {
            case NodeKind.Concat:
            {
                int dim = _node.I0, total = Value.Dim(dim), shared = Value.Dim(1 - dim);
                var offsets = (int[])_node.Data!;
                if (dim == 1) Value.View.MemSetToZero(); // the parts are added into their columns
                for (int i = 0; i < _parents.Length; i++)
                {
                    Tensor part = _parents[i].Value;
                    if (dim == 1) ElementwiseOps.ScatterAdd(Device, part.View, Value.View, total, offsets[i], part.Dim(1));
                    else part.View.CopyTo(Value.View.SubView((long)offsets[i] * shared, part.Length));
                }
                break;
            }
            case NodeKind.Reshape:
                x.View.CopyTo(Value.View);
                break;
            case NodeKind.Slice:
                x.View.SubView(_node.I0, _node.I1).CopyTo(Value.View);
                break;
            default: // Gather
                ElementwiseOps.Gather(Device, x.View, Value.View, x.Dim(1), _node.I0, _node.I1, accumulate: false);
                break;
        }
    }

    /// <summary>
    /// The shape ops' backward driver with kernels: this Var is its parents joined (<see cref="NodeKind.Concat"/>), or a
    /// reshape, slice or column range of its one parent: each parent's gradient gains its part of g.
    /// </summary>
    private void ShapeBackward(Tensor g, Gradients grads)
    {
        Var x = _parents[0];
        switch (_node.Kind)
        {
            case NodeKind.Concat:
            {
                int dim = _node.I0, total = Value.Dim(dim), shared = Value.Dim(1 - dim);
                var offsets = (int[])_node.Data!;
                for (int i = 0; i < _parents.Length; i++)
                {
                    if (grads.For(_parents[i]) is not Tensor gp) continue;
                    if (dim == 1) ElementwiseOps.Gather(Device, g.View, gp.View, total, offsets[i], gp.Dim(1), accumulate: true);
                    else ElementwiseOps.AddScaled(Device, g.View.SubView((long)offsets[i] * shared, gp.Length), gp.View, 1f);
                }
                break;
            }
            case NodeKind.Reshape:
                if (grads.For(x) is Tensor gr) ElementwiseOps.AddScaled(Device, g.View, gr.View, 1f);
                break;
            case NodeKind.Slice:
                if (grads.For(x) is Tensor gs) ElementwiseOps.AddScaled(Device, g.View, gs.View.SubView(_node.I0, _node.I1), 1f);
                break;
            default: // Gather
                if (grads.For(x) is Tensor gx) ElementwiseOps.ScatterAdd(Device, g.View, gx.View, x.Value.Dim(1), _node.I0, _node.I1);
                break;
        }
    }

    /// <summary>The shape ops' backward driver in Var ops (create-graph): the same step as <see cref="ShapeBackward"/>.</summary>
    private void ShapeGraphBackward(Var g, GraphGradients grads)
    {
        Var x = _parents[0];
        switch (_node.Kind)
        {
            case NodeKind.Concat:
            {
                int dim = _node.I0, total = Value.Dim(dim), shared = Value.Dim(1 - dim);
                var offsets = (int[])_node.Data!;
                for (int i = 0; i < _parents.Length; i++)
                {
                    Var part = _parents[i];
                    if (!grads.Wants(part)) continue;
                    int size = part.Value.Dim(dim);
                    grads.Add(part, dim == 1
                        ? g.Columns(offsets[i], size)
                        : g.Reshape(total * shared).Slice(offsets[i] * shared, size * shared).Reshape(size, shared));
                }
                break;
            }
            case NodeKind.Reshape:
                if (grads.Wants(x)) grads.Add(x, g.Reshape(x.Value.SharedShape));
                break;
            case NodeKind.Slice:
            {
                if (!grads.Wants(x)) return;
                // g padded with zeros to the whole length, as one column stacked from its parts.
                int start = _node.I0, length = _node.I1, total = x.Value.Length;
                grads.Add(x, Padded(g.Reshape(length, 1), start, total - start - length, dim: 0).Reshape(total));
                break;
            }
            default: // Gather
            {
                if (!grads.Wants(x)) return;
                int start = _node.I0, count = _node.I1, d = x.Value.Dim(1);
                grads.Add(x, Padded(g.Reshape(x.Value.Dim(0), count), start, d - start - count, dim: 1));
                break;
            }
        }
    }

    /// <summary><paramref name="g"/> (rank 2) with <paramref name="before"/> and <paramref name="after"/> zero rows (dim 0) or columns (dim 1) around it.</summary>
    private static Var Padded(Var g, int before, int after, int dim)
    {
        int other = g.Value.Dim(1 - dim);
        Var Zeros(int size) => Intermediate(g.Device.Zeros(dim == 1 ? [other, size] : [size, other]));
        var parts = new List<Var>(3);
        if (before > 0) parts.Add(Zeros(before));
        parts.Add(g);
        if (after > 0) parts.Add(Zeros(after));
        return parts.Count == 1 ? g : Concat(parts, dim);
    }
}

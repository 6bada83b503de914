namespace TorchEbm.Traced;

/// <summary>
/// What one instruction of a traced energy program does (<see cref="Instruction"/> lays out its operands). Every op acts
/// on one chain's values in the shapes the trace recorded for a single row; each is the per-row form of a tape op.
/// </summary>
public enum TracedOp
{
    /// <summary>out[r, c] = a[..] op b[..] broadcast as the tape does (<see cref="TorchEbm.Elementwise.Broadcast"/>), op an
    /// <see cref="TorchEbm.Elementwise.Arithmetic"/> code: Var +, -, *, / and AddBias.</summary>
    Binary = 1,

    /// <summary>out[i] = scale * a[i] + shift: Var arithmetic with a scalar.</summary>
    Affine = 2,

    /// <summary>out[i] = f(a[i]) for an element-wise function (<see cref="UnaryCode"/>): Var.Map and its shorthands.</summary>
    Map = 3,

    /// <summary>out[r] = factor * sum over c of a[r, c]: Var.Sum(1), Mean(1), and Sum()/Mean() of a value not read from x.</summary>
    SumRows = 4,

    /// <summary>out[r, j] = a[r, start + j]: Var.Column, Columns, and Slice of a value not read from x.</summary>
    Gather = 5,

    /// <summary>out[r, offset + j] = a[r, j]: one part of Var.Concat along columns.</summary>
    Place = 6,

    /// <summary>out[i, j] = sum over p of a[i, p] b[p, j] (b transposed: b[j, p]): Var.MatMul and MatMulTransposed.</summary>
    MatMul = 7,

    /// <summary>out[r] = log sum over c of exp(a[r, c]), shifted by the row's maximum: Var.LogSumExp(1).</summary>
    LogSumExpRows = 8,
}

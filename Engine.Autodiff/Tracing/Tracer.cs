using TorchEbm.Traced;

namespace TorchEbm.Autodiff;

/// <summary>
/// Records an energy's ops while it runs once on one row (<see cref="Trace"/>): every op Var makes tells the tracer its
/// <see cref="TraceStep"/>, which becomes an instruction of an <see cref="EnergyProgram"/> with slots for its result and
/// operands. An op without a step, or one that would mix rows, ends the trace with a reason (the model then keeps the
/// step-by-step path).
/// </summary>
internal sealed class Tracer
{
    [ThreadStatic] private static Tracer? t_current;

    private readonly Var _x;
    private readonly Dictionary<Var, int> _slots = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Var> _readsX = new(ReferenceEqualityComparer.Instance);
    private readonly List<int> _code = [];
    private readonly List<float> _numbers = [];
    private readonly List<EnergyProgram.Constant> _constants = [];
    private int _values, _pool;

    private Tracer(Var x)
    {
        _x = x;
        _slots[x] = 0;
        _readsX.Add(x);
        _values = checked((int)x.Value.Length);
    }

    /// <summary>The tracer recording on this thread, if any.</summary>
    internal static Tracer? Current => t_current;

    /// <summary>Why the trace cannot be replayed, or null while it can.</summary>
    private string? Refusal { get; set; }

    /// <summary>
    /// Runs <paramref name="energies"/> on <paramref name="row"/> (one sample, shape (1, d)) recording its ops; returns the
    /// program, or null with the reason it cannot be replayed per row.
    /// </summary>
    public static EnergyProgram? Trace(Func<Var, Var> energies, Tensor row, out string? refusal)
    {
        if (t_current is not null) throw new InvalidOperationException("A trace is already recording on this thread.");
        using var x = Var.Borrowed(row);
        var tracer = new Tracer(x);
        t_current = tracer;
        Var? result = null;
        try
        {
            using (Tape.NoGrad()) result = energies(x);
        }
        finally
        {
            t_current = null;
        }
        using (result)
        {
            refusal = tracer.Refusal;
            if (refusal is null && (result is null || !tracer._slots.ContainsKey(result)))
                refusal = "the energy is not computed from x by tape ops";
            if (refusal is null && result!.Value.Length != 1) refusal = $"the energy of one row has shape {Shapes.Format(result.Value.Shape)}, not (1)";
            if (refusal is not null) return null;
            return new EnergyProgram(checked((int)row.Length), [.. tracer._code], [.. tracer._numbers], [.. tracer._constants],
                tracer._values, tracer._slots[result!]);
        }
    }

    /// <summary>Records the op that made <paramref name="result"/> from <paramref name="parents"/> (called by Var's op constructor).</summary>
    internal void Record(Var result, in VarParents parents, in TraceStep step, string op)
    {
        if (Refusal is not null) return;
        bool readsX = false;
        foreach (Var parent in parents) readsX |= _readsX.Contains(parent);
        if (step.MixesRows && readsX)
        {
            Refusal = $"Var.{op} of a value read from x mixes rows";
            return;
        }
        if (step.Op == 0 && !step.Alias)
        {
            Refusal = $"Var.{op} is not traced";
            return;
        }
        if (step.Op == TracedOp.MatMul && parents.Length == 2 && _readsX.Contains(parents[1]))
        {
            Refusal = $"Var.{op} with x on the right mixes rows";
            return;
        }
        if (readsX) _readsX.Add(result);
        if (step.Alias)
        {
            _slots[result] = Slot(parents[0]);
            return;
        }
        int output = _values;
        _values = checked(_values + (int)result.Value.Length);
        _slots[result] = output;
        if (step.Op == TracedOp.Place)
        {
            Place(result, parents, step, output, readsX);
            return;
        }
        Emit(step.Op, readsX, output, Slot(parents[0]), parents.Length > 1 ? Slot(parents[1]) : 0,
            [step.I0, step.I1, step.I2, step.I3, step.I4, step.I5, step.I6], step.F0, step.F1);
    }

    /// <summary>Concat: one <see cref="TracedOp.Place"/> per part (dim 1: columns of each row; dim 0: the parts' elements one after another).</summary>
    private void Place(Var result, in VarParents parts, in TraceStep step, int output, bool readsX)
    {
        int dim = step.I0, offset = 0;
        foreach (Var part in parts)
        {
            Tensor v = part.Value;
            if (dim == 1) Emit(TracedOp.Place, readsX, output, Slot(part), 0, [v.Dim(0), result.Value.Dim(1), offset, v.Dim(1)], 0f, 0f);
            else Emit(TracedOp.Place, readsX, output, Slot(part), 0, [1, (int)result.Value.Length, offset, (int)v.Length], 0f, 0f);
            offset += dim == 1 ? v.Dim(1) : (int)v.Length;
        }
    }

    private void Emit(TracedOp op, bool readsX, int output, int a, int b, int[] attributes, float f0, float f1)
    {
        _code.Add((int)op | (readsX ? Instruction.ReadsX : 0));
        _code.Add(output);
        _code.Add(a);
        _code.Add(b);
        for (int i = 0; i < Instruction.Width - Instruction.Attributes; i++) _code.Add(i < attributes.Length ? attributes[i] : 0);
        _numbers.Add(f0);
        _numbers.Add(f1);
    }

    /// <summary>The slot of an operand: its result slot, or a new constant-pool entry for a leaf met for the first time.</summary>
    private int Slot(Var operand)
    {
        if (_slots.TryGetValue(operand, out int slot)) return slot;
        Tensor value = operand.Value;
        int length = checked((int)value.Length);
        // A constant freed with the graph is copied now; one that outlives the call (parameters, data) is read at each run.
        _constants.Add(operand.IsFreedWithGraph
            ? new EnergyProgram.Constant(null, value.ToArray(), _pool, length)
            : new EnergyProgram.Constant(value, null, _pool, length));
        slot = -_pool - 1;
        _pool = checked(_pool + length);
        _slots[operand] = slot;
        return slot;
    }
}

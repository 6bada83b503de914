using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchEbm.Numerics;

namespace TorchEbm.Traced;

/// <summary>
/// Eight chains' rows on the host, one chain per lane, in one array: the values, then the adjoints, then the constant
/// pool broadcast to every lane, so an operand is an offset into the array whether it is a value or a constant (no branch
/// per element). Unchecked indexing: the slots come from the tracer, which sizes the rows by them.
/// </summary>
/// <param name="lanes">Values, adjoints and constants: at least 2 x values + constants entries.</param>
/// <param name="values">Slots of values per chain.</param>
public readonly struct LaneRows(Real8[] lanes, int values) : IChainRows<Real8>
{
    private readonly Real8[] _lanes = lanes;
    private readonly int _values = values;

    private ref Real8 At(int index) => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_lanes), index);

    /// <inheritdoc />
    public Real8 Value(int slot) => At(slot);

    /// <inheritdoc />
    public void SetValue(int slot, Real8 value) => At(slot) = value;

    /// <inheritdoc />
    public Real8 Adjoint(int slot) => At(_values + slot);

    /// <inheritdoc />
    public void SetAdjoint(int slot, Real8 value) => At(_values + slot) = value;

    /// <inheritdoc />
    public int Operand(int slot) => slot >= 0 ? slot : 2 * _values - slot - 1;

    /// <inheritdoc />
    public Real8 Load(int operand, int index) => At(operand + index);
}

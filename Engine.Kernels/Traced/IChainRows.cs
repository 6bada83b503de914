using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchEbm.Numerics;

namespace TorchEbm.Traced;

/// <summary>
/// One chain's values, adjoints and the program's constants as <see cref="TracedInterpreter"/> addresses them: how they are
/// laid out is the rows' business (<see cref="InterleavedRows"/> on the device, <see cref="LaneRows"/> for the host twin,
/// eight chains per vector). An operand slot (a value at or above zero, a constant below) is resolved once per
/// instruction by <see cref="Operand"/>, then read element by element with <see cref="Load"/>.
/// </summary>
/// <typeparam name="T">The numeric type (<see cref="Real"/> or <see cref="Real8"/>).</typeparam>
public interface IChainRows<T>
{
    /// <summary>The value in <paramref name="slot"/>.</summary>
    T Value(int slot);

    /// <summary>Writes the value in <paramref name="slot"/>.</summary>
    void SetValue(int slot, T value);

    /// <summary>The adjoint of <paramref name="slot"/>.</summary>
    T Adjoint(int slot);

    /// <summary>Writes the adjoint of <paramref name="slot"/>.</summary>
    void SetAdjoint(int slot, T value);

    /// <summary>Where the operand at <paramref name="slot"/> is read from (values, or the constant pool below zero).</summary>
    int Operand(int slot);

    /// <summary>Element <paramref name="index"/> of the operand <see cref="Operand"/> resolved to <paramref name="operand"/>.</summary>
    T Load(int operand, int index);
}

/// <summary>
/// A chain's rows on the device, interleaved across chains: slot s of chain c at s x chains + c of the values, its adjoint
/// at (values + s) x chains + c, so the 32 chains of a warp touch 32 consecutive floats (one coalesced access per slot).
/// The constants are the pool every chain shares.
/// </summary>
/// <param name="scratch">Every chain's values and adjoints.</param>
/// <param name="constants">The constant pool.</param>
/// <param name="chains">The number of chains sharing the scratch.</param>
/// <param name="chain">This chain.</param>
/// <param name="values">Slots of values per chain.</param>
public readonly struct InterleavedRows(ILGPU.ArrayView<float> scratch, ILGPU.ArrayView<float> constants, int chains, int chain, int values) : IChainRows<Real>
{
    private readonly ILGPU.ArrayView<float> _scratch = scratch, _constants = constants;
    private readonly int _chains = chains, _chain = chain, _adjoints = values * chains + chain;

    /// <inheritdoc />
    public Real Value(int slot) => _scratch[slot * _chains + _chain];

    /// <inheritdoc />
    public void SetValue(int slot, Real value) => _scratch[slot * _chains + _chain] = value;

    /// <inheritdoc />
    public Real Adjoint(int slot) => _scratch[slot * _chains + _adjoints];

    /// <inheritdoc />
    public void SetAdjoint(int slot, Real value) => _scratch[slot * _chains + _adjoints] = value;

    /// <inheritdoc />
    public int Operand(int slot) => slot;

    /// <inheritdoc />
    public Real Load(int operand, int index) => operand >= 0 ? Value(operand + index) : _constants[-operand - 1 + index];
}

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

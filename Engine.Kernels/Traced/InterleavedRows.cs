using TorchEbm.Numerics;

namespace TorchEbm.Traced;

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

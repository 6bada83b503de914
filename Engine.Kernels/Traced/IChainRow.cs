using TorchEbm.Numerics;

namespace TorchEbm.Traced;

/// <summary>
/// One chain's values (or adjoints) as <see cref="TracedInterpreter"/> addresses them, slot by slot: how they are laid out
/// is the row's business (<see cref="InterleavedRow"/> on the device, <see cref="LaneRow"/> for the host twin).
/// </summary>
/// <typeparam name="T">The numeric type (<see cref="Real"/> or <see cref="Real8"/>).</typeparam>
public interface IChainRow<T>
{
    /// <summary>The value in <paramref name="slot"/>.</summary>
    T this[int slot] { get; set; }
}

/// <summary>
/// A chain's row on the device, interleaved across chains: slot s of chain c at (first + s) x chains + c of the scratch,
/// so the 32 chains of a warp read 32 consecutive floats (one coalesced load per slot).
/// </summary>
/// <param name="scratch">Every chain's rows.</param>
/// <param name="chains">The number of chains sharing the scratch.</param>
/// <param name="chain">This chain.</param>
/// <param name="first">The row's first slot (0 for the values, the program's value count for the adjoints).</param>
public readonly struct InterleavedRow(ILGPU.ArrayView<float> scratch, int chains, int chain, int first) : IChainRow<Real>
{
    private readonly ILGPU.ArrayView<float> _scratch = scratch;
    private readonly int _chains = chains, _offset = first * chains + chain;

    /// <inheritdoc />
    public Real this[int slot]
    {
        get => _scratch[slot * _chains + _offset];
        set => _scratch[slot * _chains + _offset] = value;
    }
}

/// <summary>Eight chains' row on the host, one chain per lane: slot s at <c>lanes[first + s]</c>.</summary>
/// <param name="lanes">The rows.</param>
/// <param name="first">The row's first slot.</param>
public readonly struct LaneRow(Real8[] lanes, int first) : IChainRow<Real8>
{
    private readonly Real8[] _lanes = lanes;
    private readonly int _first = first;

    /// <inheritdoc />
    public Real8 this[int slot]
    {
        get => _lanes[_first + slot];
        set => _lanes[_first + slot] = value;
    }
}

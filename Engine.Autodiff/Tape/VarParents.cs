using System.Runtime.CompilerServices;

namespace TorchEbm.Autodiff;

/// <summary>
/// The parents of a tape node, read like an array: one or two kept in place (every op but Concat), more in an array,
/// so recording an op of one or two operands allocates no parents array. An op writes them as a collection
/// expression (<c>[a, b]</c>), which builds this from a stack span.
/// </summary>
[CollectionBuilder(typeof(VarParents), nameof(Create))]
internal readonly struct VarParents
{
    private readonly Var? _first;
    private readonly object? _rest; // the second parent, or every parent (a Var[]) when there are more than two

    private VarParents(Var? first, object? rest)
    {
        _first = first;
        _rest = rest;
    }

    /// <summary>The parents of <paramref name="items"/> (copied to an array only when more than two).</summary>
    public static VarParents Create(ReadOnlySpan<Var> items) => items.Length switch
    {
        0 => default,
        1 => new VarParents(items[0], null),
        2 => new VarParents(items[0], items[1]),
        _ => new VarParents(null, items.ToArray()),
    };

    /// <summary>How many parents (0 for a leaf).</summary>
    public int Length => _rest switch
    {
        Var[] all => all.Length,
        null => _first is null ? 0 : 1,
        _ => 2,
    };

    /// <summary>Parent <paramref name="index"/>, in the op's operand order.</summary>
    public Var this[int index] => _rest switch
    {
        Var[] all => all[index],
        Var second when index == 1 => second,
        _ when index == 0 && _first is not null => _first,
        _ => throw new IndexOutOfRangeException(),
    };

    /// <summary>Walks the parents in order (a struct enumerator: no allocation).</summary>
    public Enumerator GetEnumerator() => new(this);

    /// <summary>The enumerator of <see cref="VarParents"/>.</summary>
    public struct Enumerator(VarParents parents)
    {
        private int _index = -1;

        /// <summary>The parent at the current position.</summary>
        public readonly Var Current => parents[_index];

        /// <summary>Moves to the next parent.</summary>
        public bool MoveNext() => ++_index < parents.Length;
    }
}

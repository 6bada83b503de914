using System.Runtime.CompilerServices;
using TorchEbm.Numerics;

namespace TorchEbm.Reductions;

/// <summary>
/// The in-order sum, written once over any arithmetic type (<see cref="IArithmetic{T}"/>) and any term source: the tape's kernels run it over
/// <see cref="Real"/> (<see cref="Elementwise.ColumnKernels.RowSums"/>, <see cref="ReductionKernels.SumBlocks"/> and
/// <see cref="ReductionKernels.ColumnSums"/>), their host twins over <see cref="Real"/> and, eight columns at a time, over
/// <see cref="Real8"/>; the traced interpreter over <see cref="Real"/> in the chain kernel and <see cref="Real8"/> in the
/// CPU lane twin. One order of additions everywhere, so a kernel and its twin agree bit for bit.
/// </summary>
public static class Sums
{
    /// <summary>((0 + t[0]) + t[1]) + ... + t[count - 1]: the terms added one by one, in index order, from +0.</summary>
    /// <remarks>
    /// Terms may be a ref struct (a host twin reads a span), and the sum is inlined into its caller, so the loop compiles as
    /// if written in place (a kernel's ILGPU inlines it anyway). No reassociation, no fused multiply-add: a term that is a
    /// product is rounded, then added.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Of<T, TTerms>(in TTerms terms, int count)
        where T : struct, IArithmetic<T> where TTerms : struct, ITerms<T>, allows ref struct
    {
        T sum = T.From(0f);
        for (int k = 0; k < count; k++) sum += terms[k];
        return sum;
    }
}

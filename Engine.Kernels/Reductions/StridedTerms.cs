using ILGPU;
using TorchEbm.Numerics;

namespace TorchEbm.Reductions;

/// <summary>
/// The terms values[first + k * step] of a view, indexed in 64 bits (a matrix may pass 2^31 elements): a row of a row-major
/// matrix (step 1) or a column (step: the row length), for <see cref="Elementwise.ColumnKernels"/>' sums and log-sum-exps.
/// </summary>
/// <param name="values">The view the terms lie in.</param>
/// <param name="first">Where term 0 lies.</param>
/// <param name="step">How far apart consecutive terms lie.</param>
internal readonly struct StridedTerms(ArrayView<float> values, long first, int step) : ITerms<Real>
{
    /// <inheritdoc />
    public Real this[int k] => values[first + (long)k * step];
}

using ILGPU;
using TorchEbm.Numerics;

namespace TorchEbm.Reductions;

/// <summary>
/// The terms values[first + k * step] of a view, for the reduction kernels: a row of a row-major matrix (step 1), a
/// column (step: the row length), a block of a flat array (step 1).
/// </summary>
/// <param name="values">The view the terms lie in.</param>
/// <param name="first">Where term 0 lies.</param>
/// <param name="step">How far apart consecutive terms lie.</param>
internal readonly struct StridedTerms(ArrayView<float> values, long first, int step) : ITerms<Real>
{
    /// <inheritdoc />
    public Real this[int k] => values[first + (long)k * step];
}

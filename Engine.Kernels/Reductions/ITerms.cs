namespace TorchEbm.Reductions;

/// <summary>The terms of one reduction, read by index (a row of a matrix, a strided column, a traced program's row).</summary>
/// <typeparam name="T">The numeric type.</typeparam>
public interface ITerms<T>
{
    /// <summary>Term <paramref name="k"/>.</summary>
    T this[int k] { get; }
}

namespace TorchEbm.Couplings;

/// <summary>The independent coupling: target row j is paired with source row j (both are independent draws already).</summary>
public sealed class IndependentCoupling : Coupling
{
    private protected override int[] PairChecked(float[,] source, float[,] target) => [.. Enumerable.Range(0, source.GetLength(0))];
}

namespace TorchEbm.Elementwise;

/// <summary>
/// The shapes of a broadcast element-wise op on matrices: the output (Rows, Cols) and each operand's (rows, cols),
/// every operand dimension either equal to the output's or 1 (repeated), as PyTorch broadcasts.
/// </summary>
public readonly record struct Broadcast(int Rows, int Cols, int ARows, int ACols, int BRows, int BCols)
{
    /// <summary>Index into operand A of output element (r, c).</summary>
    public int A(int r, int c) => (ARows == 1 ? 0 : r) * ACols + (ACols == 1 ? 0 : c);

    /// <summary>Index into operand B of output element (r, c).</summary>
    public int B(int r, int c) => (BRows == 1 ? 0 : r) * BCols + (BCols == 1 ? 0 : c);
}

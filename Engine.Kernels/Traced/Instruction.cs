namespace TorchEbm.Traced;

/// <summary>
/// The layout of one instruction of a traced program: <see cref="Width"/> ints in the program's code (op, output slot,
/// operand slots, integer attributes) and <see cref="Floats"/> floats in its numbers. A slot at or above zero is an
/// offset into the chain's values; a negative slot s is offset -s - 1 into the constant pool.
/// </summary>
public static class Instruction
{
    /// <summary>Ints per instruction.</summary>
    public const int Width = 12;

    /// <summary>Floats per instruction.</summary>
    public const int Floats = 2;

    /// <summary>Field: the <see cref="TracedOp"/>, plus <see cref="ReadsX"/> when its result depends on x.</summary>
    public const int Op = 0;

    /// <summary>Field: the output slot (always in the values).</summary>
    public const int Out = 1;

    /// <summary>Field: operand a's slot.</summary>
    public const int A = 2;

    /// <summary>Field: operand b's slot (binary ops and products).</summary>
    public const int B = 3;

    /// <summary>Field: the first integer attribute; the op's others follow it.</summary>
    public const int Attributes = 4;

    /// <summary>Flag in the op field: the result depends on x, so the reverse sweep visits the instruction.</summary>
    public const int ReadsX = 1 << 8;

    /// <summary>Mask of the op field that leaves the <see cref="TracedOp"/>.</summary>
    public const int OpMask = ReadsX - 1;
}

namespace TorchEbm.Elementwise;

/// <summary>What <see cref="Arithmetic.Visit{TVisitor}"/> calls with the <see cref="IBinaryOp"/> struct of an op code.</summary>
public interface IBinaryVisitor
{
    /// <summary>Runs with <typeparamref name="TOp"/>, a struct known at compile time.</summary>
    void Visit<TOp>() where TOp : struct, IBinaryOp;
}

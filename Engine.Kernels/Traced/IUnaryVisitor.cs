using TorchEbm.Functions;

namespace TorchEbm.Traced;

/// <summary>What <see cref="UnaryCodes.Visit"/> calls with the function struct of a code.</summary>
public interface IUnaryVisitor
{
    /// <summary>Runs with <paramref name="function"/>, a struct known at compile time.</summary>
    void Visit<TFunction>(TFunction function) where TFunction : struct, IUnaryFunction;
}

using TorchEbm.Functions;

namespace TorchEbm.Autodiff;

/// <summary>Receives the kernel struct of a function chosen at run time (see <see cref="ActivationFunctions.Accept{TResult}"/>).</summary>
/// <typeparam name="TResult">What the visit returns.</typeparam>
public interface IUnaryFunctionVisitor<out TResult>
{
    /// <summary>Called with the function's struct, so the caller can launch a kernel specialised for it.</summary>
    TResult Visit<TFunction>(TFunction function) where TFunction : struct, IUnaryFunction;
}

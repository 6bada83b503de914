namespace TorchEbm.Functions;

/// <summary>
/// A scalar function y = f(x) with its derivative, applied element by element inside kernels (activations, exp,
/// log, square). Implemented by small structs so each gets its own compiled kernel specialisation.
/// </summary>
/// <remarks>Implementations must be float32-only and free of exceptions and allocations (they run on the GPU).</remarks>
public interface IUnaryFunction
{
    /// <summary>f(x).</summary>
    float Apply(float x);

    /// <summary>f'(x).</summary>
    float Derivative(float x);
}

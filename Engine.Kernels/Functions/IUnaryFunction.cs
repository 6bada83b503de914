namespace TorchEbm.Functions;

/// <summary>
/// A scalar function y = f(x) with its derivative, applied element by element inside kernels (activations, exp,
/// log, square), with derivatives up to the third. Implemented by small structs so each gets its own compiled kernel specialisation.
/// </summary>
/// <remarks>Implementations must be float32-only and free of exceptions and allocations (they run on the GPU).</remarks>
public interface IUnaryFunction
{
    /// <summary>f(x).</summary>
    float Apply(float x);

    /// <summary>f'(x).</summary>
    float Derivative(float x);

    /// <summary>f''(x): the backward step of f' (double backward through the tape, e.g. Hessian-vector products).</summary>
    float SecondDerivative(float x);

    /// <summary>f'''(x): the backward step of f'' (a loss built from a Hessian-vector product differentiated once more, as
    /// sliced score matching does). Higher orders are not supported.</summary>
    float ThirdDerivative(float x);
}

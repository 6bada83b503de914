using TorchEbm.Numerics;

namespace TorchEbm.Functions;

/// <summary>
/// A scalar function y = f(x) with its derivatives up to the third, applied element by element (activations, exp, log,
/// square). Each struct writes its formulas once, generic over the numeric type (<see cref="IReal{T, TMask}"/>): kernels
/// and the float members run them over <see cref="Real"/>, host twins over <see cref="Real8"/> (eight chains per vector),
/// so both compute the same floats. Small structs, so each gets its own compiled kernel specialisation.
/// </summary>
/// <remarks>The float members are the generic ones over <see cref="Real"/> (<c>Apply&lt;Real, bool&gt;(x)</c>); formulas
/// must be free of exceptions and allocations (they run on the GPU), and a branch on x is a
/// <see cref="IReal{T, TMask}.Select"/>, not an if.</remarks>
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

    /// <summary>f(x) over any numeric type.</summary>
    T Apply<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct;

    /// <summary>f'(x) over any numeric type.</summary>
    T Derivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct;

    /// <summary>f''(x) over any numeric type.</summary>
    T SecondDerivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct;

    /// <summary>f'''(x) over any numeric type.</summary>
    T ThirdDerivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct;
}

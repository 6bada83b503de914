namespace TorchEbm.Numerics;

/// <summary>
/// A number with the four IEEE operations, negation and constants: what the arithmetic op structs
/// (<see cref="Elementwise.IBinaryOp"/>) are written over, so their partial derivatives run on floats in kernels
/// (<see cref="Real"/>), on eight chains per vector in host twins (<see cref="Real8"/>), and as graph nodes in the tape's
/// create-graph backward step (the Var form). <see cref="IReal{T, TMask}"/> adds the transcendental functions and masks
/// the element-wise functions need.
/// </summary>
/// <typeparam name="T">The number type itself.</typeparam>
public interface IArithmetic<T> where T : struct, IArithmetic<T>
{
    /// <summary><paramref name="value"/> as a constant of this type (in every lane).</summary>
    static abstract T From(float value);

    /// <summary>a + b.</summary>
    static abstract T operator +(T a, T b);

    /// <summary>a - b.</summary>
    static abstract T operator -(T a, T b);

    /// <summary>a * b.</summary>
    static abstract T operator *(T a, T b);

    /// <summary>a / b (IEEE: x / 0 is infinite, 0 / 0 NaN).</summary>
    static abstract T operator /(T a, T b);

    /// <summary>-a (flips the sign bit, NaN included).</summary>
    static abstract T operator -(T a);
}

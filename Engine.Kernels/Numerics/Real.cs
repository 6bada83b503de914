using System.Runtime.CompilerServices;
using ILGPU.Algorithms;

namespace TorchEbm.Numerics;

/// <summary>
/// One float32 as an <see cref="IReal{T, TMask}"/>: what kernels instantiate the engine's generic formulas with (and the
/// float members of the op structs, so a kernel and its host twin run the same code). Every member is the plain float
/// operation or the XMath function, so a formula over Real compiles to what it would written over float.
/// </summary>
/// <param name="value">The float.</param>
public readonly struct Real(float value) : IReal<Real, bool>
{
    /// <summary>The float.</summary>
    public readonly float Value = value;

    /// <summary>Wraps a float.</summary>
    public static implicit operator Real(float value) => new(value);

    /// <summary>Unwraps the float.</summary>
    public static implicit operator float(Real value) => value.Value;

    /// <inheritdoc />
    public static Real From(float value) => new(value);

    /// <inheritdoc />
    public static Real operator +(Real a, Real b) => new(a.Value + b.Value);

    /// <inheritdoc />
    public static Real operator -(Real a, Real b) => new(a.Value - b.Value);

    /// <inheritdoc />
    public static Real operator *(Real a, Real b) => new(a.Value * b.Value);

    /// <inheritdoc />
    public static Real operator /(Real a, Real b) => new(a.Value / b.Value);

    /// <inheritdoc />
    public static Real operator -(Real a) => new(-a.Value);

    /// <inheritdoc />
    public static Real MultiplyAdd(Real a, Real b, Real c) => new(a.Value * b.Value + c.Value);

    /// <inheritdoc />
    public static Real Exp(Real x) => new(XMath.Exp(x.Value));

    /// <inheritdoc />
    public static Real Log(Real x) => new(XMath.Log(x.Value));

    /// <inheritdoc />
    public static Real Sqrt(Real x) => new(XMath.Sqrt(x.Value));

    /// <inheritdoc />
    public static Real Sin(Real x) => new(XMath.Sin(x.Value));

    /// <inheritdoc />
    public static Real Cos(Real x) => new(XMath.Cos(x.Value));

    /// <inheritdoc />
    public static Real Tanh(Real x) => new(XMath.Tanh(x.Value));

    /// <inheritdoc />
    public static Real Abs(Real x) => new(XMath.Abs(x.Value));

    /// <inheritdoc />
    public static Real Max(Real a, Real b) => new(XMath.Max(a.Value, b.Value));

    /// <inheritdoc />
    public static bool GreaterThan(Real a, Real b) => a.Value > b.Value;

    /// <inheritdoc />
    public static bool GreaterOrEqual(Real a, Real b) => a.Value >= b.Value;

    /// <inheritdoc />
    public static bool LessThan(Real a, Real b) => a.Value < b.Value;

    /// <inheritdoc />
    public static bool Equal(Real a, Real b) => a.Value == b.Value;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Real Select(bool mask, Real ifTrue, Real ifFalse) => mask ? ifTrue : ifFalse;

    /// <inheritdoc />
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

using TorchEbm.Numerics;

namespace TorchEbm.Tests.Support;

/// <summary>
/// A float64 <see cref="IReal{T, TMask}"/> (System.Math), for tests only: the engine's generic formulas evaluated in double
/// precision, so their derivatives can be checked against central finite differences with rounding far below float32's.
/// </summary>
public readonly record struct Real64(double Value) : IReal<Real64, bool>
{
    public static Real64 From(float value) => new(value);
    public static Real64 operator +(Real64 a, Real64 b) => new(a.Value + b.Value);
    public static Real64 operator -(Real64 a, Real64 b) => new(a.Value - b.Value);
    public static Real64 operator *(Real64 a, Real64 b) => new(a.Value * b.Value);
    public static Real64 operator /(Real64 a, Real64 b) => new(a.Value / b.Value);
    public static Real64 operator -(Real64 a) => new(-a.Value);
    public static Real64 MultiplyAdd(Real64 a, Real64 b, Real64 c) => new(a.Value * b.Value + c.Value);
    public static Real64 Exp(Real64 x) => new(Math.Exp(x.Value));
    public static Real64 Log(Real64 x) => new(Math.Log(x.Value));
    public static Real64 Sqrt(Real64 x) => new(Math.Sqrt(x.Value));
    public static Real64 Sin(Real64 x) => new(Math.Sin(x.Value));
    public static Real64 Cos(Real64 x) => new(Math.Cos(x.Value));
    public static Real64 Tanh(Real64 x) => new(Math.Tanh(x.Value));
    public static Real64 Abs(Real64 x) => new(Math.Abs(x.Value));
    public static Real64 Max(Real64 a, Real64 b) => new(Math.Max(a.Value, b.Value));
    public static bool GreaterThan(Real64 a, Real64 b) => a.Value > b.Value;
    public static bool GreaterOrEqual(Real64 a, Real64 b) => a.Value >= b.Value;
    public static bool LessThan(Real64 a, Real64 b) => a.Value < b.Value;
    public static bool Equal(Real64 a, Real64 b) => a.Value == b.Value;
    public static Real64 Select(bool mask, Real64 ifTrue, Real64 ifFalse) => mask ? ifTrue : ifFalse;
}

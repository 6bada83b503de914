using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TorchEbm.Functions;

namespace TorchEbm.Networks;

/// <summary>
/// The network activations' value and derivative on eight floats at once, for the host's batched network
/// (<see cref="CpuMlp"/>): the formulas of the activation structs with <see cref="Vector256"/> transcendentals. Each test
/// of TFn's type is a constant once the JIT specialises the method for the struct, so only one branch is compiled.
/// </summary>
internal static class HostActivation
{
    /// <summary>f(z) and f'(z) lane by lane; false (and nothing computed) for a function without a vector form here.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryApply<TFn>(TFn f, Vector256<float> z, out Vector256<float> value, out Vector256<float> slope)
        where TFn : struct, IUnaryFunction
    {
        Vector256<float> one = Vector256<float>.One, zero = Vector256<float>.Zero;
        if (typeof(TFn) == typeof(SiLU))
        {
            Vector256<float> s = Logistic(z);
            value = z * s;
            slope = s * (one + z * (one - s));
            return true;
        }
        if (typeof(TFn) == typeof(Tanh))
        {
            // Large |z|: sign(z) (1 - 2 / (e^{2|z|} + 1)), no overflow to NaN. Below 0.625 that subtraction cancels, so
            // there the odd minimax polynomial of Cephes' tanhf keeps the relative accuracy near 0.
            Vector256<float> magnitude = one - Vector256.Create(2f) / (Vector256.Exp(Vector256.Abs(z) * Vector256.Create(2f)) + one);
            Vector256<float> large = Vector256.ConditionalSelect(Vector256.LessThan(z, zero), -magnitude, magnitude);
            Vector256<float> z2 = z * z;
            Vector256<float> poly = Vector256.Create(-5.70498872745e-3f);
            poly = poly * z2 + Vector256.Create(2.06390887954e-2f);
            poly = poly * z2 + Vector256.Create(-5.37397155531e-2f);
            poly = poly * z2 + Vector256.Create(1.33314422036e-1f);
            poly = poly * z2 + Vector256.Create(-3.33332819422e-1f);
            Vector256<float> small = poly * z2 * z + z;
            value = Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(z), Vector256.Create(0.625f)), small, large);
            slope = one - value * value;
            return true;
        }
        if (typeof(TFn) == typeof(Sigmoid))
        {
            value = Logistic(z);
            slope = value * (one - value);
            return true;
        }
        if (typeof(TFn) == typeof(Softplus))
        {
            value = Vector256.Max(z, zero) + Vector256.Log(one + Vector256.Exp(-Vector256.Abs(z)));
            slope = Logistic(z);
            return true;
        }
        if (typeof(TFn) == typeof(ReLU))
        {
            Vector256<float> positive = Vector256.GreaterThan(z, zero);
            value = Vector256.ConditionalSelect(positive, z, zero);
            slope = Vector256.ConditionalSelect(positive, one, zero);
            return true;
        }
        if (typeof(TFn) == typeof(LeakyReLU))
        {
            Vector256<float> positive = Vector256.GreaterThan(z, zero), negativeSlope = Vector256.Create(Unsafe.As<TFn, LeakyReLU>(ref f).Slope);
            value = Vector256.ConditionalSelect(positive, z, negativeSlope * z);
            slope = Vector256.ConditionalSelect(positive, one, negativeSlope);
            return true;
        }
        if (typeof(TFn) == typeof(ELU))
        {
            Vector256<float> positive = Vector256.GreaterThan(z, zero), alpha = Vector256.Create(Unsafe.As<TFn, ELU>(ref f).Alpha);
            Vector256<float> scaled = alpha * Vector256.Exp(Vector256.Min(z, zero));
            value = Vector256.ConditionalSelect(positive, z, scaled - alpha);
            slope = Vector256.ConditionalSelect(positive, one, scaled);
            return true;
        }
        value = slope = default;
        return false;
    }

    /// <summary>Whether <typeparamref name="TFn"/> has a vector form here (a constant once the JIT specialises it).</summary>
    public static bool Has<TFn>() where TFn : struct, IUnaryFunction =>
        typeof(TFn) == typeof(SiLU) || typeof(TFn) == typeof(Tanh) || typeof(TFn) == typeof(Sigmoid) || typeof(TFn) == typeof(Softplus)
        || typeof(TFn) == typeof(ReLU) || typeof(TFn) == typeof(LeakyReLU) || typeof(TFn) == typeof(ELU);

    /// <summary>output = f(input), element by element (a function that <see cref="Has{TFn}"/>; spans of equal length).</summary>
    public static void Map<TFn>(TFn f, ReadOnlySpan<float> input, Span<float> output) where TFn : struct, IUnaryFunction
    {
        for (int i = 0; i < input.Length; i += 8)
        {
            TryApply(f, Load(input, i), out Vector256<float> value, out _);
            Store(value, output, i);
        }
    }

    /// <summary>output = f'(input), element by element (a function that <see cref="Has{TFn}"/>; spans of equal length).</summary>
    public static void MapDerivative<TFn>(TFn f, ReadOnlySpan<float> input, Span<float> output) where TFn : struct, IUnaryFunction
    {
        for (int i = 0; i < input.Length; i += 8)
        {
            TryApply(f, Load(input, i), out _, out Vector256<float> slope);
            Store(slope, output, i);
        }
    }

    /// <summary>inputGradient += outputGradient * f'(input), element by element (a function that <see cref="Has{TFn}"/>).</summary>
    public static void MapBackward<TFn>(TFn f, ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
        where TFn : struct, IUnaryFunction
    {
        for (int i = 0; i < input.Length; i += 8)
        {
            TryApply(f, Load(input, i), out _, out Vector256<float> slope);
            Store(Load(inputGradient, i) + Load(outputGradient, i) * slope, inputGradient, i);
        }
    }

    /// <summary>
    /// Whether <typeparamref name="TFn"/> has vector forms of its second and third derivatives here (the derivative nodes
    /// of a create-graph pass and their backward steps): SiLU and the sigmoid, polynomials in the logistic s.
    /// </summary>
    public static bool HasHigher<TFn>() where TFn : struct, IUnaryFunction => typeof(TFn) == typeof(SiLU) || typeof(TFn) == typeof(Sigmoid);

    /// <summary>
    /// f''(z) (order 2) or f'''(z) (order 3) lane by lane for a function that <see cref="HasHigher{TFn}"/>: with
    /// d1 = s (1 - s), d2 = d1 (1 - 2 s), d3 = d1 (1 - 6 s + 6 s^2) (the logistic's derivatives), the sigmoid's are d2 and
    /// d3, SiLU's 2 d1 + z d2 and 3 d2 + z d3: the scalar structs' formulas, with one exponential instead of two.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Higher<TFn>(Vector256<float> z, int order) where TFn : struct, IUnaryFunction
    {
        Vector256<float> one = Vector256<float>.One, s = Logistic(z), d1 = s * (one - s);
        Vector256<float> d2 = d1 * (one - Vector256.Create(2f) * s);
        if (order == 2) return typeof(TFn) == typeof(SiLU) ? Vector256.Create(2f) * d1 + z * d2 : d2;
        Vector256<float> six = Vector256.Create(6f);
        Vector256<float> d3 = d1 * (one - six * s + six * s * s);
        return typeof(TFn) == typeof(SiLU) ? Vector256.Create(3f) * d2 + z * d3 : d3;
    }

    /// <summary>output = f^(order)(input) for order 2 or 3 (a function that <see cref="HasHigher{TFn}"/>; spans of equal length).</summary>
    public static void MapHigher<TFn>(TFn f, int order, ReadOnlySpan<float> input, Span<float> output) where TFn : struct, IUnaryFunction
    {
        for (int i = 0; i < input.Length; i += 8) Store(Higher<TFn>(Load(input, i), order), output, i);
    }

    /// <summary>inputGradient += outputGradient * f^(order)(input) for order 2 or 3 (a function that <see cref="HasHigher{TFn}"/>).</summary>
    public static void MapHigherBackward<TFn>(TFn f, int order, ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
        where TFn : struct, IUnaryFunction
    {
        for (int i = 0; i < input.Length; i += 8)
            Store(Load(inputGradient, i) + Load(outputGradient, i) * Higher<TFn>(Load(input, i), order), inputGradient, i);
    }

    // Elements i .. i + 7 as a vector; the last ones of a span whose length is not a multiple of 8 zero-padded, so they go
    // through the vector form too and an element's value never depends on its place in the span.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Load(ReadOnlySpan<float> span, int i) =>
        i + 8 <= span.Length ? Vector256.Create(span.Slice(i, 8)) : LoadPadded(span, i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> value, Span<float> span, int i)
    {
        if (i + 8 <= span.Length) value.CopyTo(span.Slice(i, 8));
        else StorePart(value, span, i);
    }

    // Out of line (a stackalloc keeps a method from being inlined), taken once per span at most.
    private static Vector256<float> LoadPadded(ReadOnlySpan<float> span, int i)
    {
        Span<float> padded = stackalloc float[8];
        padded.Clear();
        span[i..].CopyTo(padded);
        return Vector256.Create<float>(padded);
    }

    private static void StorePart(Vector256<float> value, Span<float> span, int i)
    {
        Span<float> lanes = stackalloc float[8];
        value.CopyTo(lanes);
        lanes[..(span.Length - i)].CopyTo(span[i..]);
    }

    /// <summary>1 / (1 + e^-z), as e^z / (1 + e^z) for negative z (no overflow either way).</summary>
    private static Vector256<float> Logistic(Vector256<float> z)
    {
        Vector256<float> e = Vector256.Exp(-Vector256.Abs(z)), one = Vector256<float>.One;
        Vector256<float> small = e / (one + e);
        return Vector256.ConditionalSelect(Vector256.LessThan(z, Vector256<float>.Zero), small, one - small);
    }
}

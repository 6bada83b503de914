using System.Runtime.CompilerServices;

namespace TorchEbm;

/// <summary>Argument checks of the public API, so each message names the argument and what was expected.</summary>
internal static class Guard
{
    public static void Finite(float value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (!float.IsFinite(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number, got {value}.");
    }

    public static void PositiveFinite(float value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (!float.IsFinite(value) || value <= 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive and finite, got {value}.");
    }

    public static void NonNegativeFinite(float value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (!float.IsFinite(value) || value < 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be >= 0 and finite, got {value}.");
    }
}

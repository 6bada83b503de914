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

    /// <summary>Copies the (n, d) tensor <paramref name="x"/> to the host once and throws if an element is NaN or infinite.</summary>
    public static void AllFinite(Tensor x, string name)
    {
        int bad = Array.FindIndex(x.ToArray(), v => !float.IsFinite(v));
        if (bad >= 0)
            throw new ArgumentException($"{name} must be finite, but element [{bad / x.Dim(1)}, {bad % x.Dim(1)}] is not.", name);
    }

    /// <summary>Checks that <paramref name="x"/> is a live (n, d) tensor on <paramref name="device"/>.</summary>
    public static void Batch(Tensor x, Device device, string name)
    {
        ArgumentNullException.ThrowIfNull(x, name);
        ObjectDisposedException.ThrowIf(x.IsDisposed, x);
        if (!ReferenceEquals(x.Device, device))
            throw new ArgumentException($"{name} lives on {x.Device} but the model on {device}.", name);
        if (x.Rank != 2)
            throw new ArgumentException($"{name} must have shape (n, d), got {Shapes.Format(x.Shape)}.", name);
    }
}

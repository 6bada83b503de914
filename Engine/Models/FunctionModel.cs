using TorchEbm.Autodiff;

namespace TorchEbm.Models;

/// <summary>
/// The model <see cref="BaseModel.FromEnergy"/> and <see cref="BaseModel.FromLogDensity"/> return: the user's function
/// of the (n, d) batch, its result checked to be the n energies before anything reads it.
/// </summary>
internal sealed class FunctionModel : BaseModel
{
    private readonly Func<Var, Var> _function;
    private readonly bool _isLogDensity;
    private readonly string _parameter;
    private readonly int _dim;

    /// <param name="device">The device the model computes on.</param>
    /// <param name="dim">The sample dimension d.</param>
    /// <param name="function">The energy, or the log density when <paramref name="isLogDensity"/> (then negated).</param>
    /// <param name="isLogDensity">Whether <paramref name="function"/> is a log density.</param>
    /// <param name="parameter">The name of the factory's parameter that took <paramref name="function"/>, for error messages.</param>
    public FunctionModel(Device device, int dim, Func<Var, Var> function, bool isLogDensity, string parameter) : base(device)
    {
        _dim = dim;
        _function = function;
        _isLogDensity = isLogDensity;
        _parameter = parameter;
    }

    /// <inheritdoc />
    public override int? Dim => _dim;

    /// <summary>The function's value at <paramref name="x"/> (negated for a log density), shape (n).</summary>
    /// <exception cref="ArgumentException">x is not an (n, d) batch on the model's device, or the function returned
    /// something other than a new Var of shape (n) on that device (named after the function's parameter).</exception>
    public override Var Energies(Var x)
    {
        ArgumentNullException.ThrowIfNull(x);
        ObjectDisposedException.ThrowIf(x.IsDisposed, x);
        ValidateSamples(x.Value);
        int n = x.Value.Dim(0);
        Var result = _function(x);
        string? wrong = result is null ? "null"
            : ReferenceEquals(result, x) ? "its input x"
            : result.IsDisposed ? "a disposed Var"
            : !ReferenceEquals(result.Device, Device) ? $"a Var on {result.Device}"
            : result.Value.Rank != 1 || result.Value.Dim(0) != n ? $"shape {Shapes.Format(result.Shape)}"
            : null;
        if (wrong is not null)
        {
            if (result is not null && !ReferenceEquals(result, x)) result.Dispose();
            string what = _isLogDensity ? "log densities" : "energies";
            throw new ArgumentException(
                $"The function given to BaseModel.{(_isLogDensity ? nameof(FromLogDensity) : nameof(FromEnergy))} returned {wrong} for x of shape {Shapes.Format(x.Shape)}, " +
                $"but it must return a new Var of shape ({n},) on {Device}: the {what} of the {n} rows of x (reduce each row, e.g. with Sum(1)).", _parameter);
        }
        return _isLogDensity ? -result! : result!;
    }
}

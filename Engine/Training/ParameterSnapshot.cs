using ILGPU.Runtime;
using TorchEbm.Autodiff;

namespace TorchEbm.Training;

/// <summary>
/// Device copies of a set of parameters, taken before each optimizer step, so that a run whose loss turns NaN or
/// infinite can put back the last parameters that gave a finite loss (device-to-device copies, no host work).
/// </summary>
internal sealed class ParameterSnapshot : IDisposable
{
    private readonly Var[] _parameters;
    private readonly Tensor[] _copies;

    /// <summary>Allocates a copy of each parameter and takes the first snapshot.</summary>
    public ParameterSnapshot(IReadOnlyList<Var> parameters)
    {
        _parameters = [.. parameters];
        _copies = new Tensor[_parameters.Length];
        try
        {
            for (int i = 0; i < _parameters.Length; i++) _copies[i] = _parameters[i].Value.Clone();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Copies the parameters' current values into the snapshot.</summary>
    public void Capture()
    {
        for (int i = 0; i < _parameters.Length; i++) _parameters[i].Value.View.CopyTo(_copies[i].View);
    }

    /// <summary>Copies the snapshot back into the parameters.</summary>
    public void Restore()
    {
        for (int i = 0; i < _parameters.Length; i++) _copies[i].View.CopyTo(_parameters[i].Value.View);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Tensor? copy in _copies) copy?.Dispose();
    }
}

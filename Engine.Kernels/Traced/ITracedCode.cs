namespace TorchEbm.Traced;

/// <summary>
/// A traced program's instructions as <see cref="TracedInterpreter"/> reads them: <see cref="TracedProgram"/> decodes them
/// from device views as it goes (kernels); <see cref="HostProgram"/> holds them decoded (host twins).
/// </summary>
public interface ITracedCode
{
    /// <summary>The number of instructions.</summary>
    int Length { get; }

    /// <summary>Floats of values per chain.</summary>
    int Values { get; }

    /// <summary>The slot of the energy.</summary>
    int Result { get; }

    /// <summary>Instruction <paramref name="n"/>.</summary>
    TracedInstruction this[int n] { get; }
}

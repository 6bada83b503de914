namespace TorchEbm.Traced;

/// <summary>
/// A traced program as <see cref="TracedInterpreter"/> reads it: the instructions (<see cref="Instruction"/> layout), their
/// float attributes and the constant pool. <see cref="TracedProgram"/> reads device views (kernels); <see cref="HostProgram"/>
/// reads arrays (host twins).
/// </summary>
public interface ITracedCode
{
    /// <summary>The number of instructions.</summary>
    int Length { get; }

    /// <summary>Floats of values per chain.</summary>
    int Values { get; }

    /// <summary>The slot of the energy.</summary>
    int Result { get; }

    /// <summary>Int <paramref name="index"/> of the instructions.</summary>
    int Code(int index);

    /// <summary>Float attribute <paramref name="index"/>.</summary>
    float Number(int index);

    /// <summary>Float <paramref name="index"/> of the constant pool.</summary>
    float Constant(int index);
}

using TorchEbm.Numerics;

namespace TorchEbm.Traced;

/// <summary>
/// One chain's values, adjoints and the program's constants as <see cref="TracedInterpreter"/> addresses them: how they are
/// laid out is the rows' business (<see cref="InterleavedRows"/> on the device, <see cref="LaneRows"/> for the host twin,
/// eight chains per vector). An operand slot (a value at or above zero, a constant below) is resolved once per
/// instruction by <see cref="Operand"/>, then read element by element with <see cref="Load"/>.
/// </summary>
/// <typeparam name="T">The numeric type (<see cref="Real"/> or <see cref="Real8"/>).</typeparam>
public interface IChainRows<T>
{
    /// <summary>The value in <paramref name="slot"/>.</summary>
    T Value(int slot);

    /// <summary>Writes the value in <paramref name="slot"/>.</summary>
    void SetValue(int slot, T value);

    /// <summary>The adjoint of <paramref name="slot"/>.</summary>
    T Adjoint(int slot);

    /// <summary>Writes the adjoint of <paramref name="slot"/>.</summary>
    void SetAdjoint(int slot, T value);

    /// <summary>Where the operand at <paramref name="slot"/> is read from (values, or the constant pool below zero).</summary>
    int Operand(int slot);

    /// <summary>Element <paramref name="index"/> of the operand <see cref="Operand"/> resolved to <paramref name="operand"/>.</summary>
    T Load(int operand, int index);
}

using TorchEbm.Numerics;

namespace TorchEbm.Traced;

/// <summary>
/// A traced program compiled to one host method (<see cref="TracedCompiler"/>): E and dE/dx of eight chains, one per lane.
/// Reads the program's <c>dim</c> coordinates from <paramref name="x"/> and the constant pool's floats from
/// <paramref name="pool"/>, writes <c>dim</c> adjoints from <paramref name="gradient"/> on, returns the energies. The
/// caller guarantees the lengths (the dim and pool size it was compiled for): nothing is checked inside.
/// </summary>
/// <param name="x">The first of the <c>dim</c> coordinates, lane l belonging to chain l.</param>
/// <param name="gradient">The first of the <c>dim</c> gradient entries written.</param>
/// <param name="pool">The first float of the constant pool (as the run filled it; read at every call).</param>
/// <param name="rows">Scratch for values and adjoints passed between the methods of a program cut in several, then for the
/// terms of a log-sum-exp's row (<see cref="TracedCompiler.Compiled.Rows"/> entries; unused by a program of one method
/// without a log-sum-exp).</param>
internal delegate Real8 CompiledEnergy(ref Real8 x, ref Real8 gradient, ref float pool, ref Real8 rows);

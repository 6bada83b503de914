using ILGPU.Runtime;
using TorchEbm.Traced;

namespace TorchEbm.Autodiff;

/// <summary>
/// A model's energy traced once on one row (<see cref="Tracer"/>): the flat instruction list (<see cref="Instruction"/>
/// layout), its float attributes, the constant pool's entries, and the sizes one chain needs. Constants that outlive the
/// trace (parameters, data a model holds) are read again at every <see cref="FillPool"/>, so trained values are seen.
/// </summary>
internal sealed class EnergyProgram
{
    /// <summary>One entry of the constant pool: a live tensor read at each fill, or a copy taken while tracing.</summary>
    /// <param name="Source">The tensor read at each fill (a parameter, a model's data), or null for a snapshot.</param>
    /// <param name="Snapshot">The values of a constant freed with the traced graph.</param>
    /// <param name="Offset">Where it starts in the pool.</param>
    /// <param name="Length">Its number of floats.</param>
    internal sealed record Constant(Tensor? Source, float[]? Snapshot, int Offset, int Length);

    internal EnergyProgram(int dim, int[] code, float[] numbers, IReadOnlyList<Constant> constants, int values, int result)
    {
        Dim = dim;
        Code = code;
        Numbers = numbers;
        Constants = constants;
        Values = values;
        Result = result;
    }

    /// <summary>The sample dimension it was traced for.</summary>
    public int Dim { get; }

    /// <summary>The instructions.</summary>
    public int[] Code { get; }

    /// <summary>The instructions' float attributes.</summary>
    public float[] Numbers { get; }

    /// <summary>The constant pool's entries.</summary>
    public IReadOnlyList<Constant> Constants { get; }

    /// <summary>Floats of the constants.</summary>
    public int ConstantFloats => Constants.Count == 0 ? 0 : Constants[^1].Offset + Constants[^1].Length;

    /// <summary>Floats of the pool on the device (at least one, so its view is never empty).</summary>
    public int PoolLength => Math.Max(1, ConstantFloats);

    /// <summary>Floats of values per chain.</summary>
    public int Values { get; }

    /// <summary>The energy's slot.</summary>
    public int Result { get; }

    /// <summary>The number of instructions.</summary>
    public int Length => Code.Length / Instruction.Width;

    /// <summary>Whether <paramref name="other"/> has the same instructions and attributes (two traces of one structure).</summary>
    public bool SameStructure(EnergyProgram other) =>
        Code.AsSpan().SequenceEqual(other.Code) && Numbers.AsSpan().SequenceEqual(other.Numbers) && Values == other.Values &&
        Constants.Count == other.Constants.Count && Constants.Select(c => c.Length).SequenceEqual(other.Constants.Select(c => c.Length));

    /// <summary>
    /// Copies every constant into <paramref name="pool"/> (<see cref="PoolLength"/> floats on the device): the live ones
    /// as they are now.
    /// </summary>
    /// <exception cref="InvalidOperationException">A constant read at run time was disposed or changed size since the trace
    /// (the message names <paramref name="model"/>).</exception>
    public void FillPool(Tensor pool, string model)
    {
        foreach (Constant c in Constants)
        {
            if (c.Source is Tensor t && (t.IsDisposed || t.Length != c.Length))
                throw new InvalidOperationException(
                    $"{model}: a constant its traced energy reads ({c.Length} floats) was {(t.IsDisposed ? "disposed" : $"resized to {t.Length} floats")} after tracing; keep the model's tensors alive while it is sampled.");
        }
        foreach (Constant c in Constants)
        {
            var target = pool.View.SubView(c.Offset, c.Length);
            if (c.Source is Tensor t) t.View.SubView(0, c.Length).CopyTo(target);
            else target.CopyFromCPU(c.Snapshot!);
        }
    }

}

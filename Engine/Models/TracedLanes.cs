using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ILGPU;
using TorchEbm.Autodiff;
using TorchEbm.Energies;
using TorchEbm.Numerics;
using TorchEbm.Traced;

namespace TorchEbm.Models;

/// <summary>
/// A traced program evaluated on the host for eight chains at once, one chain per lane of a Vector256, so the CPU lane
/// twins of the samplers (<see cref="Kernels.Samplers.Lanes.CpuChains"/>) run a traced energy as they run the built-in
/// ones. A program within <see cref="TracedCompiler"/>'s size rule runs as one method compiled for it (once per program,
/// on first use); any other runs the kernel's own interpreter (<see cref="TracedInterpreter"/>) over <see cref="Real8"/>
/// and <see cref="LaneRows"/>. Both call the same op structs in the same order: no op is written here, and each lane
/// equals the kernel bit for bit (TracedEnergyTests, TracedCompilerTests).
/// </summary>
/// <param name="program">The program.</param>
/// <param name="pool">The constant pool as the run's launch filled it.</param>
/// <param name="compile">Whether to use the compiled method where there is one (false: always interpret; tests compare the two).</param>
internal readonly struct TracedLanes(EnergyProgram program, float[] pool, bool compile = true) : IHostEnergy
{
    [ThreadStatic] private static Real8[]? t_lanes;
    [ThreadStatic] private static float[]? t_pool;
    [ThreadStatic] private static Real8[]? t_rows;

    /// <summary>Each program's compiled method (null: it keeps the interpreter), made once on first use by whichever thread asks first.</summary>
    private static readonly ConditionalWeakTable<EnergyProgram, Lazy<TracedCompiler.Compiled?>> s_compiled = new();

    private readonly HostProgram _program = new(program.Code, program.Numbers, program.Values, program.Result);
    private readonly TracedCompiler.Compiled? _compiled = compile && pool.Length >= program.PoolLength ? Compiled(program) : null;
    private readonly int _dim = program.Dim;

    /// <summary>Whether evaluations run the program's compiled code (else the interpreter).</summary>
    public bool IsCompiled => _compiled is not null;

    /// <summary>The methods the compiled code was cut into (0 when interpreted).</summary>
    public int CompiledMethods => _compiled?.Methods ?? 0;

    /// <summary>How the host twin runs <paramref name="program"/>: compiled, or interpreted and why (for a model's trace status).</summary>
    public static string HostPath(EnergyProgram program) =>
        TracedCompiler.Refusal(Decoded(program), program.Dim) is string refusal
            ? $"interpreted on the CPU ({refusal})"
            : "compiled to host code on the CPU";

    /// <summary>Not used: the lane twin evaluates eight chains through <see cref="EnergyAndGradient"/>.</summary>
    public float Energy(ArrayView<float> x) => throw new NotSupportedException("TracedLanes is host code for eight chains at once.");

    /// <summary>Not used: the lane twin evaluates eight chains through <see cref="EnergyAndGradient"/>.</summary>
    public void AddGradient(ArrayView<float> x, ArrayView<float> gradient, float weight) =>
        throw new NotSupportedException("TracedLanes is host code for eight chains at once.");

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Vector256<float> EnergyAndGradient(ReadOnlySpan<Vector256<float>> x, Span<Vector256<float>> gradient, bool energy)
    {
        if (_compiled is { } compiled && x.Length == _dim && gradient.Length == _dim && !x.Overlaps(gradient))
            return compiled.Energy(ref Unsafe.As<Vector256<float>, Real8>(ref MemoryMarshal.GetReference(x)),
                ref Unsafe.As<Vector256<float>, Real8>(ref MemoryMarshal.GetReference(gradient)), ref MemoryMarshal.GetArrayDataReference(pool),
                ref MemoryMarshal.GetArrayDataReference(Rows(compiled.Rows))).Value;
        int v = _program.Values;
        Real8[] lanes = Lanes(v);
        var rows = new LaneRows(lanes, v);
        MemoryMarshal.Cast<Vector256<float>, Real8>(x).CopyTo(lanes);
        TracedInterpreter.Forward<Real8, Vector256<float>, HostProgram, LaneRows>(_program, rows);
        TracedInterpreter.Backward<Real8, Vector256<float>, HostProgram, LaneRows>(_program, rows);
        MemoryMarshal.Cast<Real8, Vector256<float>>(lanes.AsSpan(v, gradient.Length)).CopyTo(gradient);
        return rows.Value(_program.Result);
    }

    /// <summary><paramref name="program"/>'s compiled method, compiled on the first call for it; null when it keeps the interpreter.</summary>
    private static TracedCompiler.Compiled? Compiled(EnergyProgram program) =>
        s_compiled.GetValue(program, p => new Lazy<TracedCompiler.Compiled?>(() => Compile(p))).Value;

    /// <summary>Compiles <paramref name="p"/>; null (the interpreter) if anything in the compiler fails, so a run never fails for it.</summary>
    private static TracedCompiler.Compiled? Compile(EnergyProgram p)
    {
        try
        {
            return TracedCompiler.Compile(Decoded(p), p.Dim, p.PoolLength);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    /// <summary>This thread's scratch of at least <paramref name="length"/> entries (at least one) for a compiled program's methods to pass values through.</summary>
    private static Real8[] Rows(int length)
    {
        Real8[]? rows = t_rows;
        if (rows is null || rows.Length < length) t_rows = rows = new Real8[Math.Max(1, length)];
        return rows;
    }

    private static HostProgram Decoded(EnergyProgram p) => new(p.Code, p.Numbers, p.Values, p.Result);

    /// <summary>
    /// This thread's rows (<see cref="LaneRows"/>: values, adjoints, then the pool broadcast to every lane), the pool
    /// broadcast again only when the thread last ran another pool.
    /// </summary>
    private Real8[] Lanes(int values)
    {
        int length = 2 * values + pool.Length;
        Real8[]? lanes = t_lanes;
        if (lanes is null || lanes.Length < length) (t_lanes, t_pool) = (lanes = new Real8[length], null);
        if (!ReferenceEquals(t_pool, pool))
        {
            for (int i = 0; i < pool.Length; i++) lanes[2 * values + i] = Real8.From(pool[i]);
            t_pool = pool;
        }
        return lanes;
    }
}

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
/// ones. It runs the kernel's own interpreter (<see cref="TracedInterpreter"/>) over <see cref="Real8"/> and
/// <see cref="LaneRows"/>: no op is written here, and each lane equals the kernel bit for bit (TracedEnergyTests).
/// </summary>
/// <param name="program">The program.</param>
/// <param name="pool">The constant pool as the run's launch filled it.</param>
internal readonly struct TracedLanes(EnergyProgram program, float[] pool) : IHostEnergy
{
    [ThreadStatic] private static Real8[]? t_lanes;
    [ThreadStatic] private static float[]? t_pool;

    private readonly HostProgram _program = new(program.Code, program.Numbers, program.Values, program.Result);

    /// <summary>Not used: the lane twin evaluates eight chains through <see cref="EnergyAndGradient"/>.</summary>
    public float Energy(ArrayView<float> x) => throw new NotSupportedException("TracedLanes is host code for eight chains at once.");

    /// <summary>Not used: the lane twin evaluates eight chains through <see cref="EnergyAndGradient"/>.</summary>
    public void AddGradient(ArrayView<float> x, ArrayView<float> gradient, float weight) =>
        throw new NotSupportedException("TracedLanes is host code for eight chains at once.");

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Vector256<float> EnergyAndGradient(ReadOnlySpan<Vector256<float>> x, Span<Vector256<float>> gradient, bool energy)
    {
        int v = _program.Values;
        Real8[] lanes = Lanes(v);
        var rows = new LaneRows(lanes, v);
        MemoryMarshal.Cast<Vector256<float>, Real8>(x).CopyTo(lanes);
        TracedInterpreter.Forward<Real8, Vector256<float>, HostProgram, LaneRows>(_program, rows);
        TracedInterpreter.Backward<Real8, Vector256<float>, HostProgram, LaneRows>(_program, rows);
        MemoryMarshal.Cast<Real8, Vector256<float>>(lanes.AsSpan(v, gradient.Length)).CopyTo(gradient);
        return rows.Value(_program.Result);
    }

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

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
/// <see cref="LaneRow"/>: no op is written here, and each lane equals the kernel bit for bit (TracedEnergyTests).
/// </summary>
/// <param name="program">The program.</param>
/// <param name="pool">The constant pool as the run's launch filled it.</param>
internal readonly struct TracedLanes(EnergyProgram program, float[] pool) : IHostEnergy
{
    [ThreadStatic] private static Real8[]? t_scratch;

    private readonly HostProgram _program = new(program.Code, program.Numbers, pool, program.Values, program.Result);

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
        Real8[] scratch = t_scratch is { } s && s.Length >= 2 * v ? s : t_scratch = new Real8[2 * v];
        var values = new LaneRow(scratch, 0);
        var adjoints = new LaneRow(scratch, v);
        MemoryMarshal.Cast<Vector256<float>, Real8>(x).CopyTo(scratch);
        TracedInterpreter.Forward<Real8, Vector256<float>, HostProgram, LaneRow>(_program, values);
        TracedInterpreter.Backward<Real8, Vector256<float>, HostProgram, LaneRow>(_program, values, adjoints);
        MemoryMarshal.Cast<Real8, Vector256<float>>(scratch.AsSpan(v, gradient.Length)).CopyTo(gradient);
        return values[_program.Result];
    }
}

using System.Runtime.Intrinsics;

namespace TorchEbm.Kernels.Samplers.Lanes;

/// <summary>
/// Where each of eight lanes stands in a launch: its evaluation within its current transition and its launch step. Lanes
/// in step share both (<see cref="InStep"/>); in <see cref="CpuChains"/>' paced loop each lane starts its next transition
/// as soon as its own ends, so lanes differ. A lane with evaluation -1 runs no transition (it has done all its steps, or
/// pads the launch).
/// </summary>
/// <param name="Evaluations">Each lane's evaluation k within its transition (0 starts it), or -1.</param>
/// <param name="Steps">Each lane's launch step s (its Philox step word is <see cref="ChainSettings.StepWord"/>(s)).</param>
internal readonly record struct LaneClock(Vector256<int> Evaluations, Vector256<int> Steps)
{
    /// <summary>Every lane at evaluation <paramref name="evaluation"/> of launch step <paramref name="s"/>.</summary>
    public static LaneClock InStep(int evaluation, int s) => new(Vector256.Create(evaluation), Vector256.Create(s));

    /// <summary>Each lane's Philox step word (<see cref="ChainSettings.StepWord"/> of its step).</summary>
    public Vector256<uint> StepWords(ChainSettings settings) => Vector256.Create(settings.StepWord(0)) + Steps.AsUInt32();
}

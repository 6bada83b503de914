using ILGPU;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// An energy source that a whole thread group evaluates for a group of chains at once (<see cref="ChainGroup"/>):
/// where the threads of a group can share the work of several chains (a network's weights read once for all of them),
/// this beats one thread per chain. Called by every thread of the group with the same arguments, in uniform control flow.
/// </summary>
/// <remarks>Implementations synchronise with group barriers only, are float32-only and free of exceptions and allocations.
/// The caller places a group barrier before (so the chains' positions are visible) and after (so their results are).</remarks>
public interface IGroupEnergySource
{
    /// <summary>
    /// Writes dE/dx of chains <paramref name="first"/> .. first + count - 1 (rows of <paramref name="x"/>, (chains, d)) to
    /// the same rows of <paramref name="gradients"/> and, when <paramref name="energy"/>, E(x) to
    /// <paramref name="energies"/>[c]; <paramref name="shared"/> is the group's <see cref="ChainGroup.SharedFloats"/> floats.
    /// </summary>
    void Evaluate(int first, int count, ArrayView<float> x, ArrayView<float> gradients, ArrayView<float> energies, bool energy,
        ArrayView<float> shared);
}

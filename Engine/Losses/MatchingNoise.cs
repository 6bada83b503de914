using TorchEbm.Kernels.Losses;
using TorchEbm.Kernels.Random;
using TorchEbm.Models;

namespace TorchEbm.Losses;

/// <summary>
/// What the matching losses (<see cref="EquilibriumMatching"/>, EnergyMatching) share: the checks of their
/// inputs before any launch, and their random draws (Gaussian rows, uniform times), each draw from its own Philox key
/// derived from the loss's seed and keyed by the call index, so draws are independent of one another and reruns are
/// bit-identical.
/// </summary>
internal static class MatchingNoise
{
    /// <summary>Kinds of draw; each gets its own Philox key (the seed's high word XOR a distinct odd constant).</summary>
    public enum Draw : uint
    {
        Noise = 0,
        Time = 0x9E3779B9u,
        Smoothing = 0x7F4A7C15u,
        Negatives = 0x94D049BBu,
    }

    /// <summary>Standard normal rows (rows, d), or uniform times in (0, 1) when d is 0 (shape (rows)).</summary>
    public static Tensor Sample(Device device, int rows, int d, long seed, Draw draw, uint call)
    {
        Tensor result = device.Allocate(d == 0 ? [rows] : [rows, d]);
        var key = new Philox4x32((uint)(ulong)seed, (uint)((ulong)seed >> 32) ^ (uint)draw);
        ProbeDraw.Fill(device, result.View, Math.Max(d, 1), key, call, d == 0 ? ProbeKernels.Uniform : ProbeKernels.Gaussian);
        return result;
    }
}

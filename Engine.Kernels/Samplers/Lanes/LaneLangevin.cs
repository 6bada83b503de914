using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Samplers.Lanes;

/// <summary>The host vector twin of <see cref="LangevinTransition"/>.</summary>
internal readonly struct LaneLangevin(LangevinTransition transition) : ILaneTransition
{
    public int Rows => 1;

    public int Scalars => 1;

    public int Evaluations => 1;

    public int ScratchRows => 0;

    public bool EndsEarly => false;

    public bool AnyContinues(int evaluation, in ChainLanes chain) => true;

    public bool NeedsEnergy(int evaluation) => false;

    public bool NeedsStart => false;

    public LaneTables Tables() => new(HostMemory.Of(transition.StepSizes), HostMemory.Of(transition.NoiseScales), default, default);

    public void Start(in ChainLanes chain) { }

    public void Prepare(int evaluation, in ChainLanes chain, int s, ChainSettings settings, Philox4x32 rng) { }

    /// <summary><see cref="LangevinTransition.Move"/> of every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Complete(int evaluation, in ChainLanes chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        float h = LaneTables.At(chain.Tables.StepSizes, s);
        float sigma = LaneTables.At(chain.Tables.NoiseScales, s) * MathF.Sqrt(2f * h);
        Vector256<float> hv = Vector256.Create(h), sv = Vector256.Create(sigma);
        Vector256<float> lo = Vector256.Create(transition.ClampMin), hi = Vector256.Create(transition.ClampMax);
        bool clamped = !float.IsNegativeInfinity(transition.ClampMin) || !float.IsPositiveInfinity(transition.ClampMax);
        Span<Vector256<float>> x = chain.X, gradient = chain.Gradient;
        Vector256<uint> step = Vector256.Create(settings.StepWord(s));
        int d = chain.Dim;
        for (int j = 0; j < d; j += 4)
        {
            chain.Normals(rng, step, j, settings.Call, out Vector256<float> z0, out Vector256<float> z1, out Vector256<float> z2, out Vector256<float> z3);
            x[j] = CpuLangevin.Move(x[j], gradient[j], hv, sv * z0, lo, hi, clamped);
            if (j + 1 < d) x[j + 1] = CpuLangevin.Move(x[j + 1], gradient[j + 1], hv, sv * z1, lo, hi, clamped);
            if (j + 2 < d) x[j + 2] = CpuLangevin.Move(x[j + 2], gradient[j + 2], hv, sv * z2, lo, hi, clamped);
            if (j + 3 < d) x[j + 3] = CpuLangevin.Move(x[j + 3], gradient[j + 3], hv, sv * z3, lo, hi, clamped);
        }
    }
}

using ILGPU;

namespace TorchEbm.Networks;

/// <summary>
/// Per-sample scratch of <see cref="MlpKernels"/>: for each sample, an activation and a derivative per hidden unit
/// (<see cref="MlpWeights.ScratchPerChain"/> floats). Unit u of sample c lives at u * UnitStride + c * SampleStride:
/// unit-major (UnitStride = samples, SampleStride = 1) lets neighbouring GPU threads touch neighbouring floats;
/// sample-major (UnitStride = 1) keeps one CPU thread's sample in consecutive cache lines.
/// </summary>
public readonly record struct MlpScratch(ArrayView<float> Hidden, int UnitStride, int SampleStride)
{
    /// <summary>The scratch for <paramref name="samples"/> samples of <paramref name="perSample"/> floats each in <paramref name="hidden"/>.</summary>
    public static MlpScratch Create(ArrayView<float> hidden, int samples, int perSample, bool unitMajor) =>
        unitMajor ? new MlpScratch(hidden, samples, 1) : new MlpScratch(hidden, 1, perSample);

    /// <summary>Index of unit <paramref name="unit"/> of sample <paramref name="sample"/>.</summary>
    public int At(int unit, int sample) => unit * UnitStride + sample * SampleStride;
}

namespace TorchEbm.Kernels.Optim;

/// <summary>Scalars of one Adam step, bundled so the kernel stays within ILGPU's parameter limits.</summary>
/// <param name="Lr">Learning rate.</param>
/// <param name="Beta1">Decay of the first moment.</param>
/// <param name="Beta2">Decay of the second moment.</param>
/// <param name="Eps">Added to the denominator.</param>
/// <param name="WeightDecay">L2 penalty added to the gradient.</param>
/// <param name="Correction1">1 - beta1^t.</param>
/// <param name="SqrtCorrection2">sqrt(1 - beta2^t).</param>
public readonly record struct AdamSettings(
    float Lr, float Beta1, float Beta2, float Eps, float WeightDecay, float Correction1, float SqrtCorrection2);

using ILGPU;
using ILGPU.Algorithms;
using TorchEbm.Launch;

namespace TorchEbm.Kernels.Optim;

/// <summary>Parameter updates with PyTorch's rules (torch.optim.SGD and torch.optim.Adam, default flags).</summary>
public static class OptimizerKernels
{
    /// <summary>
    /// SGD: g = grad + weightDecay p; with momentum, buf = g on the first step (first = 1), else momentum buf + g,
    /// and the step uses buf; p -= lr * step.
    /// </summary>
    [Kernel]
    public static void Sgd(ArrayView<float> parameter, ArrayView<float> gradient, ArrayView<float> momentumBuffer,
        float lr, float momentum, float weightDecay, int first)
    {
        int n = parameter.IntLength, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < n; i += stride)
        {
            float g = gradient[i] + weightDecay * parameter[i];
            if (momentum != 0f)
            {
                g = first != 0 ? g : momentum * momentumBuffer[i] + g;
                momentumBuffer[i] = g;
            }
            parameter[i] -= lr * g;
        }
    }

    /// <summary>
    /// Adam: g = grad + weightDecay p; m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g^2;
    /// p -= lr / correction1 * m / (sqrt(v) / sqrtCorrection2 + eps), with correction1 = 1 - beta1^t and
    /// sqrtCorrection2 = sqrt(1 - beta2^t) computed on the host.
    /// </summary>
    [Kernel]
    public static void Adam(ArrayView<float> parameter, ArrayView<float> gradient, ArrayView<float> m, ArrayView<float> v,
        AdamSettings settings)
    {
        int n = parameter.IntLength, stride = GridStride.Stride;
        float stepSize = settings.Lr / settings.Correction1;
        for (int i = GridStride.Start; i < n; i += stride)
        {
            float g = gradient[i] + settings.WeightDecay * parameter[i];
            float mi = settings.Beta1 * m[i] + (1f - settings.Beta1) * g;
            float vi = settings.Beta2 * v[i] + (1f - settings.Beta2) * g * g;
            m[i] = mi;
            v[i] = vi;
            parameter[i] -= stepSize * mi / (XMath.Sqrt(vi) / settings.SqrtCorrection2 + settings.Eps);
        }
    }
}

using System.Runtime.Intrinsics;
using ILGPU.Algorithms;

namespace TorchEbm.Kernels.Optim;

/// <summary>
/// The one place an Adam update chooses its implementation: on the CPU accelerator a host loop in the accelerator's
/// memory, eight floats at a time (one launch per parameter tensor costs more there than its arithmetic); on a GPU
/// <see cref="OptimizerKernels.Adam"/>, the reference. The host loop does the kernel's float operations in its order,
/// with an exact square root as the kernel's, so both give the same bits.
/// </summary>
internal static class AdamStep
{
    /// <summary>One Adam step of <paramref name="parameter"/> with its gradient and moments (tensors of one length).</summary>
    public static void Apply(Tensor parameter, Tensor gradient, Tensor m, Tensor v, AdamSettings settings)
    {
        if (parameter.Device.Kind != DeviceKind.Cpu)
        {
            parameter.Device.Launch(OptimizerKernels.Adam, parameter.Length, parameter.View, gradient.View, m.View, v.View, settings);
            return;
        }
        Host(HostMemory.Of(parameter.View), HostMemory.Of(gradient.View), HostMemory.Of(m.View), HostMemory.Of(v.View), settings);
        GC.KeepAlive(parameter); GC.KeepAlive(gradient); GC.KeepAlive(m); GC.KeepAlive(v);
    }

    /// <summary><see cref="OptimizerKernels.Adam"/>'s loop body over spans (i below the parameter's length).</summary>
    internal static void Host(Span<float> parameter, ReadOnlySpan<float> gradient, Span<float> m, Span<float> v, AdamSettings s)
    {
        int n = parameter.Length, i = 0;
        gradient = gradient[..n];
        m = m[..n];
        v = v[..n];
        float stepSize = s.Lr / s.Correction1;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> decay = Vector256.Create(s.WeightDecay), beta1 = Vector256.Create(s.Beta1), beta2 = Vector256.Create(s.Beta2);
            Vector256<float> rest1 = Vector256.Create(1f - s.Beta1), rest2 = Vector256.Create(1f - s.Beta2);
            Vector256<float> step = Vector256.Create(stepSize), correction2 = Vector256.Create(s.SqrtCorrection2), eps = Vector256.Create(s.Eps);
            for (; i + 8 <= n; i += 8)
            {
                Vector256<float> p = Vector256.Create(parameter.Slice(i, 8));
                Vector256<float> g = Vector256.Create(gradient.Slice(i, 8)) + decay * p;
                Vector256<float> mi = beta1 * Vector256.Create(m.Slice(i, 8)) + rest1 * g;
                Vector256<float> vi = beta2 * Vector256.Create(v.Slice(i, 8)) + rest2 * g * g;
                mi.CopyTo(m.Slice(i, 8));
                vi.CopyTo(v.Slice(i, 8));
                (p - step * mi / (Vector256.Sqrt(vi) / correction2 + eps)).CopyTo(parameter.Slice(i, 8));
            }
        }
        for (; i < n; i++)
        {
            float g = gradient[i] + s.WeightDecay * parameter[i];
            float mi = s.Beta1 * m[i] + (1f - s.Beta1) * g;
            float vi = s.Beta2 * v[i] + (1f - s.Beta2) * g * g;
            m[i] = mi;
            v[i] = vi;
            parameter[i] -= stepSize * mi / (XMath.Sqrt(vi) / s.SqrtCorrection2 + s.Eps);
        }
    }
}

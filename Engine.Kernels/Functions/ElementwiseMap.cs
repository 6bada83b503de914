using TorchEbm.Networks;

namespace TorchEbm.Functions;

/// <summary>
/// The one place an element-wise function's forward and backward pass is chosen: on the CPU accelerator, for the network
/// activations with a vector form, the host's 256-bit code in the accelerator's memory (<see cref="HostActivation"/>);
/// otherwise the ILGPU kernels of <see cref="UnaryKernels"/>.
/// </summary>
internal static class ElementwiseMap
{
    /// <summary>output = f(input).</summary>
    public static void Forward<TFn>(Tensor input, Tensor output, TFn f) where TFn : struct, IUnaryFunction
    {
        if (OnHost<TFn>(input))
        {
            HostActivation.Map(f, HostMemory.Of(input.View), HostMemory.Of(output.View));
            GC.KeepAlive(input); GC.KeepAlive(output); // their memory is read on the host until here
        }
        else input.Device.Launch(UnaryKernels.Forward, output.Length, input.View, output.View, f);
    }

    /// <summary>inputGradient += outputGradient * f'(input).</summary>
    public static void Backward<TFn>(Tensor input, Tensor outputGradient, Tensor inputGradient, TFn f) where TFn : struct, IUnaryFunction
    {
        if (OnHost<TFn>(input))
        {
            HostActivation.MapBackward(f, HostMemory.Of(input.View), HostMemory.Of(outputGradient.View), HostMemory.Of(inputGradient.View));
            GC.KeepAlive(input); GC.KeepAlive(outputGradient); GC.KeepAlive(inputGradient);
        }
        else input.Device.Launch(UnaryKernels.Backward, outputGradient.Length, input.View, outputGradient.View, inputGradient.View, f);
    }

    /// <summary>
    /// output = f^(order)(input), a derivative node's value: on the host for order 1 (the vector forms give f and f'),
    /// else the kernel.
    /// </summary>
    public static void Derivative<TFn>(Tensor input, Tensor output, TFn f, int order) where TFn : struct, IUnaryFunction
    {
        if (order == 1 && OnHost<TFn>(input))
        {
            HostActivation.MapDerivative(f, HostMemory.Of(input.View), HostMemory.Of(output.View));
            GC.KeepAlive(input); GC.KeepAlive(output);
        }
        else input.Device.Launch(UnaryKernels.DerivativeForward, output.Length, input.View, output.View, f, order);
    }

    private static bool OnHost<TFn>(Tensor input) where TFn : struct, IUnaryFunction =>
        HostActivation.Has<TFn>() && input.Device.Kind == DeviceKind.Cpu && CpuMlp.IsSupported;
}

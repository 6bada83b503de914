using TorchEbm.Networks;

namespace TorchEbm.Functions;

/// <summary>
/// The one place an element-wise function's forward and backward pass is chosen: on the CPU accelerator, host code in
/// the accelerator's memory: the 256-bit forms of <see cref="HostActivation"/> for the network activations that have
/// one (for SiLU and the sigmoid also the second and third derivatives a create-graph pass needs), else a scalar loop over the function struct's own methods (the kernel's arithmetic without its launch); on a GPU
/// the ILGPU kernels of <see cref="UnaryKernels"/>.
/// </summary>
internal static class ElementwiseMap
{
    /// <summary>output = f(input).</summary>
    public static void Forward<TFn>(Tensor input, Tensor output, TFn f) where TFn : struct, IUnaryFunction
    {
        if (OnHostVector<TFn>(input)) HostActivation.Map(f, HostMemory.Of(input.View), HostMemory.Of(output.View));
        else if (OnHost(input)) HostLoop(f, 0, HostMemory.Of(input.View), HostMemory.Of(output.View));
        else
        {
            input.Device.Launch(UnaryKernels.Forward, output.Length, input.View, output.View, f);
            return;
        }
        GC.KeepAlive(input); GC.KeepAlive(output); // their memory is read on the host until here
    }

    /// <summary>inputGradient += outputGradient * f'(input).</summary>
    public static void Backward<TFn>(Tensor input, Tensor outputGradient, Tensor inputGradient, TFn f) where TFn : struct, IUnaryFunction
    {
        if (OnHostVector<TFn>(input))
            HostActivation.MapBackward(f, HostMemory.Of(input.View), HostMemory.Of(outputGradient.View), HostMemory.Of(inputGradient.View));
        else if (OnHost(input))
            HostBackwardLoop(f, 1, HostMemory.Of(input.View), HostMemory.Of(outputGradient.View), HostMemory.Of(inputGradient.View));
        else
        {
            input.Device.Launch(UnaryKernels.Backward, outputGradient.Length, input.View, outputGradient.View, inputGradient.View, f);
            return;
        }
        GC.KeepAlive(input); GC.KeepAlive(outputGradient); GC.KeepAlive(inputGradient);
    }

    /// <summary>
    /// output = f^(order)(input), a derivative node's value: on the CPU the vector form for order 1 where there is one,
    /// else the scalar loop.
    /// </summary>
    public static void Derivative<TFn>(Tensor input, Tensor output, TFn f, int order) where TFn : struct, IUnaryFunction
    {
        if (order == 1 && OnHostVector<TFn>(input)) HostActivation.MapDerivative(f, HostMemory.Of(input.View), HostMemory.Of(output.View));
        else if (order >= 2 && OnHostHigher<TFn>(input)) HostActivation.MapHigher(f, order, HostMemory.Of(input.View), HostMemory.Of(output.View));
        else if (OnHost(input)) HostLoop(f, order, HostMemory.Of(input.View), HostMemory.Of(output.View));
        else
        {
            input.Device.Launch(UnaryKernels.DerivativeForward, output.Length, input.View, output.View, f, order);
            return;
        }
        GC.KeepAlive(input); GC.KeepAlive(output);
    }

    /// <summary>inputGradient += outputGradient * f^(order + 1)(input): the backward step of a derivative node.</summary>
    public static void DerivativeBackward<TFn>(Tensor input, Tensor outputGradient, Tensor inputGradient, TFn f, int order)
        where TFn : struct, IUnaryFunction
    {
        if (!OnHost(input))
        {
            input.Device.Launch(UnaryKernels.DerivativeBackward, outputGradient.Length, input.View, outputGradient.View, inputGradient.View, f, order);
            return;
        }
        if (order + 1 >= 2 && OnHostHigher<TFn>(input))
            HostActivation.MapHigherBackward(f, order + 1, HostMemory.Of(input.View), HostMemory.Of(outputGradient.View), HostMemory.Of(inputGradient.View));
        else HostBackwardLoop(f, order + 1, HostMemory.Of(input.View), HostMemory.Of(outputGradient.View), HostMemory.Of(inputGradient.View));
        GC.KeepAlive(input); GC.KeepAlive(outputGradient); GC.KeepAlive(inputGradient);
    }

    /// <summary>output[i] = f^(order)(input[i]), the kernel's loop body on the host.</summary>
    private static void HostLoop<TFn>(TFn f, int order, ReadOnlySpan<float> input, Span<float> output) where TFn : struct, IUnaryFunction
    {
        output = output[..input.Length];
        for (int i = 0; i < input.Length; i++) output[i] = UnaryKernels.Nth(f, input[i], order);
    }

    /// <summary>inputGradient[i] += outputGradient[i] * f^(order)(input[i]), the backward kernels' loop body on the host.</summary>
    private static void HostBackwardLoop<TFn>(TFn f, int order, ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
        where TFn : struct, IUnaryFunction
    {
        int n = outputGradient.Length;
        input = input[..n];
        inputGradient = inputGradient[..n];
        for (int i = 0; i < n; i++) inputGradient[i] += outputGradient[i] * UnaryKernels.Nth(f, input[i], order);
    }

    private static bool OnHost(Tensor input) => input.Device.Kind == DeviceKind.Cpu;

    private static bool OnHostHigher<TFn>(Tensor input) where TFn : struct, IUnaryFunction =>
        HostActivation.HasHigher<TFn>() && OnHost(input) && CpuMlp.IsSupported;

    private static bool OnHostVector<TFn>(Tensor input) where TFn : struct, IUnaryFunction =>
        HostActivation.Has<TFn>() && OnHost(input) && CpuMlp.IsSupported;
}

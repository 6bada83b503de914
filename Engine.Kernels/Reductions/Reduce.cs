namespace TorchEbm.Reductions;

/// <summary>Host-side drivers of the fixed-order reduction kernels.</summary>
internal static class Reduce
{
    /// <summary>The sum of every element of <paramref name="input"/> as a new (1) tensor: blocks of <see cref="ReductionKernels.BlockSize"/>, repeated.</summary>
    public static Tensor Sum(Tensor input)
    {
        Device device = input.Device;
        Tensor current = input;
        do
        {
            Tensor partials = device.Allocate([(current.Length + ReductionKernels.BlockSize - 1) / ReductionKernels.BlockSize]);
            device.Launch(ReductionKernels.SumBlocks, partials.Length, current.View, partials.View);
            if (!ReferenceEquals(current, input)) current.Dispose();
            current = partials;
        } while (current.Length > 1);
        return current;
    }
}

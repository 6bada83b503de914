namespace TorchEbm.Reductions;

/// <summary>Host-side drivers of the fixed-order reduction kernels.</summary>
internal static class Reduce
{
    /// <summary>The sum of every element of <paramref name="input"/> as a new (1) tensor: blocks of <see cref="ReductionKernels.BlockSize"/>, repeated.</summary>
    public static Tensor Sum(Tensor input)
    {
        Tensor result = input.Device.Allocate([1]);
        Sum(input, result);
        return result;
    }

    /// <summary>
    /// Writes the sum of every element of <paramref name="input"/> into the (1) tensor <paramref name="result"/>: blocks of
    /// <see cref="ReductionKernels.BlockSize"/>, repeated, the last pass straight into <paramref name="result"/>.
    /// </summary>
    public static void Sum(Tensor input, Tensor result)
    {
        Device device = input.Device;
        Tensor current = input;
        while (true)
        {
            long blocks = (current.Length + ReductionKernels.BlockSize - 1) / ReductionKernels.BlockSize;
            Tensor partials = blocks == 1 ? result : device.Allocate([checked((int)blocks)]);
            device.Launch(ReductionKernels.SumBlocks, blocks, current.View, partials.View);
            if (!ReferenceEquals(current, input)) current.Dispose();
            if (blocks == 1) return;
            current = partials;
        }
    }
}

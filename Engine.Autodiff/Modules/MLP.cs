namespace TorchEbm.Autodiff;

/// <summary>
/// A multilayer perceptron Linear, activation, Linear, ..., Linear: the layout of
/// <c>torch.nn.Sequential(Linear, SiLU, Linear, ...)</c>, with the same parameter names (<c>0.weight</c>,
/// <c>0.bias</c>, <c>2.weight</c>, ...). Layer i draws its initial weights with seed + i.
/// </summary>
public sealed class MLP : Sequential
{
    /// <summary>Creates the network.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    public MLP(Device device, int inputDim, IReadOnlyList<int> hiddenDims, int outputDim,
        Activation activation = Activation.SiLU, long seed = 0)
        : base(BuildLayers(device, inputDim, hiddenDims, outputDim, activation, seed))
    {
    }

    /// <summary>Weights and biases of an MLP inputDim - hiddenDims... - outputDim: sum of (in + 1) * out over its layers.</summary>
    public static long ParameterCount(int inputDim, IReadOnlyList<int> hiddenDims, int outputDim)
    {
        ArgumentNullException.ThrowIfNull(hiddenDims);
        long[] sizes = [inputDim, .. hiddenDims.Select(h => (long)h), outputDim];
        long total = 0;
        for (int i = 0; i + 1 < sizes.Length; i++) total += (sizes[i] + 1) * sizes[i + 1];
        return total;
    }

    private static Module[] BuildLayers(Device device, int inputDim, IReadOnlyList<int> hiddenDims, int outputDim, Activation activation, long seed)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(hiddenDims);
        int[] sizes = [inputDim, .. hiddenDims, outputDim];
        for (int i = 0; i < sizes.Length; i++)
            if (sizes[i] < 1)
                throw new ArgumentOutOfRangeException(i == 0 ? nameof(inputDim) : i == sizes.Length - 1 ? nameof(outputDim) : nameof(hiddenDims),
                    sizes[i], "Every layer size must be >= 1.");
        var layers = new List<Module>();
        try
        {
            for (int i = 0; i + 1 < sizes.Length; i++)
            {
                if (i > 0) layers.Add(new ActivationLayer(device, activation));
                layers.Add(new Linear(device, sizes[i], sizes[i + 1], seed + i));
            }
            return [.. layers];
        }
        catch
        {
            foreach (Module layer in layers) layer.Dispose(); // a layer that failed (too large, bad activation) frees the ones before it
            throw;
        }
    }
}

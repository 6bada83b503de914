using TorchEbm.Autodiff;

namespace TorchEbm.Integrators;

/// <summary>Ready-made <see cref="VectorField"/>s.</summary>
public static class VectorFields
{
    /// <summary>
    /// A time-conditioned network as a vector field: f(x, t) = network([x, t]), the input x (n, d) with a column of t
    /// appended (n, d + 1), the output (n, d); how flow-matching velocity networks and score networks are usually trained.
    /// </summary>
    /// <remarks>Each call runs the network's forward pass without a backward pass and returns a copy of its output; the
    /// network is not owned (dispose it yourself).</remarks>
    /// <exception cref="ArgumentException">The network's input dimension is known and is below 2.</exception>
    public static VectorField FromNetwork(Module network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network.InputDim is int inputs && inputs < 2)
            throw new ArgumentException($"A time-conditioned network takes (x, t) with d + 1 >= 2 inputs, got an input dimension of {inputs}.", nameof(network));
        return (x, t) =>
        {
            if (network.InputDim is int expected && expected != x.Dim(1) + 1)
                throw new InvalidOperationException($"The network takes {expected} inputs but (x, t) has {x.Dim(1) + 1} (dim {x.Dim(1)} + time).");
            using Tensor time = x.Device.Full(t, x.Dim(0), 1);
            using Var input = Var.Concat([Var.Borrowed(x), Var.Borrowed(time)]);
            using Var output = network.Forward(input);
            return output.Value.Clone();
        };
    }
}

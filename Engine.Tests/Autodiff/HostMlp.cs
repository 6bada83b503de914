using TorchEbm.Autodiff;

namespace TorchEbm.Tests.Autodiff;

/// <summary>
/// A float64 host copy of an <see cref="MLP"/>: its energy sum over a batch, with parameter values that tests perturb
/// in place (<see cref="Parameters"/> pairs each device parameter with its host array) for finite differences.
/// </summary>
internal sealed class HostMlp
{
    private readonly List<(double[] Weight, double[] Bias, int In, int Out)> _layers = [];
    private readonly Activation _activation;

    public HostMlp(Module network, Activation activation)
    {
        _activation = activation;
        foreach (Linear layer in ((Sequential)network).Layers.OfType<Linear>())
        {
            double[] weight = layer.Weight.Value.ToArray().Select(w => (double)w).ToArray();
            double[] bias = layer.Bias.Value.ToArray().Select(b => (double)b).ToArray();
            _layers.Add((weight, bias, layer.InFeatures, layer.OutFeatures));
            Parameters.Add((layer.Weight, weight));
            Parameters.Add((layer.Bias, bias));
        }
    }

    /// <summary>Each device parameter with the host array the energy reads (weights (out, in), as on the device).</summary>
    public List<(Var Parameter, double[] Values)> Parameters { get; } = [];

    /// <summary>The sum of the energies of the n rows of <paramref name="x"/> (row-major, n x d).</summary>
    public double Energy(double[] x, int n)
    {
        double total = 0;
        for (int row = 0; row < n; row++)
        {
            double[] h = x.Skip(row * _layers[0].In).Take(_layers[0].In).ToArray();
            for (int l = 0; l < _layers.Count; l++)
            {
                (double[] w, double[] b, int inputs, int outputs) = _layers[l];
                var next = new double[outputs];
                for (int o = 0; o < outputs; o++)
                {
                    double z = b[o];
                    for (int i = 0; i < inputs; i++) z += w[o * inputs + i] * h[i];
                    next[o] = l + 1 < _layers.Count ? OpGradientTests.HostActivation(_activation, z) : z;
                }
                h = next;
            }
            total += h[0];
        }
        return total;
    }
}

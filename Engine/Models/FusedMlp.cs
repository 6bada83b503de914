using ILGPU.Runtime;
using ILGPU;
using TorchEbm.Autodiff;
using TorchEbm.Functions;
using TorchEbm.Kernels.Random;
using TorchEbm.Kernels.Samplers;
using TorchEbm.Networks;
using TorchEbm.Samplers;

namespace TorchEbm.Models;

/// <summary>
/// A network that is a plain MLP with a scalar output (Linear, then activation and Linear pairs, one activation
/// throughout), run by the per-sample kernels of <see cref="MlpKernels"/>: energies, input gradients and whole
/// Langevin chains in one launch each. The weights are copied into one packed buffer at every call, so optimizer
/// steps and checkpoint loads are always seen.
/// </summary>
internal sealed class FusedMlp : IDisposable
{
    private readonly Linear[] _layers;
    private readonly Activation _activation;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _widths;
    private readonly Tensor _parameters;
    private readonly int _hiddenUnits;

    private FusedMlp(Linear[] layers, Activation activation)
    {
        _layers = layers;
        _activation = activation;
        Device device = layers[0].Device;
        int[] widths = [layers[0].InFeatures, .. layers.Select(l => l.OutFeatures)];
        _hiddenUnits = widths[1..^1].Sum();
        _widths = device.Accelerator.Allocate1D(widths);
        UnitMajor = device.Kind != DeviceKind.Cpu;
        try
        {
            using (DisposeScope.Suspend()) _parameters = device.Allocate([layers.Sum(l => (l.InFeatures + 1) * l.OutFeatures)]); // the model owns it
        }
        catch
        {
            _widths.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Scratch layout: unit-major (coalesced across GPU threads) or sample-major (one CPU thread's sample in consecutive
    /// cache lines). Chosen by device kind; tests flip it to check both layouts on the CPU.
    /// </summary>
    internal bool UnitMajor { get; set; }

    /// <summary>The fused form of <paramref name="network"/>, or null when it is not a plain MLP with one output.</summary>
    public static FusedMlp? TryCreate(Module network)
    {
        if (network is not Sequential { Layers: var modules } || modules.Count % 2 == 0) return null;
        var layers = new Linear[(modules.Count + 1) / 2];
        Activation? activation = null;
        for (int i = 0; i < modules.Count; i++)
        {
            if (i % 2 == 0)
            {
                if (modules[i] is not Linear linear) return null;
                layers[i / 2] = linear;
            }
            else if (modules[i] is not ActivationLayer layer || (activation is Activation a && a != layer.Activation)) return null;
            else activation = layer.Activation;
        }
        if (layers[^1].OutFeatures != 1) return null;
        return new FusedMlp(layers, activation ?? Activation.ReLU); // a single Linear applies no activation
    }

    /// <summary>Whether <paramref name="samples"/> rows fit the kernels' 32-bit scratch indices.</summary>
    public bool Fits(int samples) => (long)(2 * _hiddenUnits + 1) * samples < int.MaxValue;

    /// <summary>E(x) for every row of x (n, d): a new (n) tensor.</summary>
    public Tensor Energies(Tensor x)
    {
        Tensor energies = x.Device.Allocate([x.Dim(0)]);
        Launch(x, hidden => _activation.Accept(new EnergiesLaunch(x, energies, hidden, Pack())));
        return energies;
    }

    /// <summary>dE/dx for every row of x (n, d): a new (n, d) tensor.</summary>
    public Tensor Gradients(Tensor x)
    {
        Tensor gradient = x.Device.Allocate(x.Shape);
        Launch(x, hidden => _activation.Accept(new GradientsLaunch(x, gradient, hidden, Pack())));
        return gradient;
    }

    /// <summary>settings.Steps Langevin steps of every chain (row of x) in one launch; see <see cref="MlpKernels.Langevin{TFn}"/>.</summary>
    public void Langevin(Tensor x, Tensor trajectory, Tensor stepSizes, Tensor noiseScales, LangevinSettings settings, Philox4x32 rng)
    {
        using Tensor gradient = x.Device.Allocate(x.Shape);
        Launch(x, hidden => _activation.Accept(
            new LangevinLaunch(x, gradient, hidden, trajectory, stepSizes, noiseScales, settings, rng, Pack())));
    }

    public void Dispose()
    {
        _widths.Dispose();
        _parameters.Dispose();
    }

    /// <summary>Runs <paramref name="launch"/> with per-sample scratch for x's rows.</summary>
    private void Launch(Tensor x, Func<MlpScratch, bool> launch)
    {
        // Never empty, even with no hidden unit: the kernels take a view of it either way.
        using Tensor hidden = x.Device.Allocate([Math.Max(1, 2 * _hiddenUnits * x.Dim(0))]);
        launch(MlpScratch.Create(hidden.View, x.Dim(0), 2 * _hiddenUnits, UnitMajor));
    }

    /// <summary>Copies every layer's current weight and bias into the packed buffer.</summary>
    private MlpWeights Pack()
    {
        int offset = 0;
        foreach (Linear layer in _layers)
        {
            foreach (Tensor t in (ReadOnlySpan<Tensor>)[layer.Weight.Value, layer.Bias.Value])
            {
                t.View.CopyTo(_parameters.View.SubView(offset, t.Length));
                offset += t.Length;
            }
        }
        return new MlpWeights(_parameters.View, _widths.View, _layers.Length, _hiddenUnits);
    }

    private sealed class EnergiesLaunch(Tensor x, Tensor energies, MlpScratch hidden, MlpWeights weights) : IUnaryFunctionVisitor<bool>
    {
        public bool Visit<TFn>(TFn activation) where TFn : struct, IUnaryFunction
        {
            x.Device.Launch(MlpKernels.Energies, x.Dim(0), x.View, energies.View, hidden, weights, activation);
            return true;
        }
    }

    private sealed class GradientsLaunch(Tensor x, Tensor gradient, MlpScratch hidden, MlpWeights weights) : IUnaryFunctionVisitor<bool>
    {
        public bool Visit<TFn>(TFn activation) where TFn : struct, IUnaryFunction
        {
            x.Device.Launch(MlpKernels.Gradients, x.Dim(0), x.View, gradient.View, hidden, weights, activation);
            return true;
        }
    }

    private sealed class LangevinLaunch(Tensor x, Tensor gradient, MlpScratch hidden, Tensor trajectory, Tensor stepSizes,
        Tensor noiseScales, LangevinSettings settings, Philox4x32 rng, MlpWeights weights) : IUnaryFunctionVisitor<bool>
    {
        public bool Visit<TFn>(TFn activation) where TFn : struct, IUnaryFunction
        {
            x.Device.Launch(MlpKernels.Langevin, x.Dim(0), x.View, gradient.View, hidden, trajectory.View,
                stepSizes.View, noiseScales.View, settings, rng, weights, activation);
            return true;
        }
    }
}

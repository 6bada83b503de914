using ILGPU.Runtime;
using ILGPU;
using TorchEbm.Autodiff;
using TorchEbm.Functions;
using TorchEbm.Kernels.Random;
using TorchEbm.Kernels.Samplers;
using TorchEbm.Networks;

namespace TorchEbm.Models;

/// <summary>
/// A network that is a plain MLP with a scalar output (Linear, then activation and Linear pairs, one activation
/// throughout), run by the per-sample kernels of <see cref="MlpKernels"/> and, as an <see cref="MlpSource{TFn}"/>, by
/// the generic chain kernel: energies, input gradients and whole chains in one launch each. The activation's kernels
/// are resolved once, at construction. The weights are copied into one packed buffer at every call, so optimizer
/// steps and checkpoint loads are always seen.
/// </summary>
internal sealed class FusedMlp : IDisposable
{
    private readonly Linear[] _layers;
    private readonly EnergySource _typed;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _widths;
    private readonly int[] _hostWidths;
    private readonly Tensor _parameters;
    private readonly int _hiddenUnits;

    private FusedMlp(Linear[] layers, Activation activation)
    {
        _layers = layers;
        _typed = activation.Accept(new Resolve(this));
        Device device = layers[0].Device;
        int[] widths = [layers[0].InFeatures, .. layers.Select(l => l.OutFeatures)];
        _hiddenUnits = widths[1..^1].Sum();
        _hostWidths = widths;
        _widths = device.Accelerator.Allocate1D(widths);
        UnitMajor = device.Kind != DeviceKind.Cpu;
        Cooperative = device.Kind == DeviceKind.Cuda;
        OnHost = device.Kind == DeviceKind.Cpu && CpuMlp.IsSupported;
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

    /// <summary>
    /// Whether fused chains run the cooperative kernel (<see cref="ChainKernels.GroupChains{TSource, TTransition}"/>: a
    /// thread group per <see cref="ChainGroup.Chains"/> chains, each weight read once for all of them) instead of the
    /// per-chain reference kernel. On CUDA by default, where one thread per chain leaves most of the GPU idle; tests flip
    /// it to check the two kernels against each other on the CPU accelerator.
    /// </summary>
    internal bool Cooperative { get; set; }

    /// <summary>
    /// Whether energies and gradients run as the host's batched SIMD code (<see cref="CpuMlp"/>) instead of the per-sample
    /// kernels, and samplers then go step by step around it: on the CPU accelerator where 256-bit SIMD is in hardware.
    /// Tests flip it to check the kernels on the CPU.
    /// </summary>
    /// <exception cref="InvalidOperationException">Set to true for a network off the CPU accelerator, or on a CPU without 256-bit SIMD.</exception>
    internal bool OnHost
    {
        get => _onHost;
        set
        {
            if (value && !(_layers[0].Device.Kind == DeviceKind.Cpu && CpuMlp.IsSupported))
                throw new InvalidOperationException("The host MLP runs only on the CPU accelerator of a machine with 256-bit SIMD.");
            _onHost = value;
        }
    }

    private bool _onHost;

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

    /// <summary>
    /// The network as an energy source: batched energies and gradients, and whole chains in one launch while the
    /// chains fit <see cref="Fits"/>.
    /// </summary>
    public EnergySource Source => _typed;

    public void Dispose()
    {
        _widths.Dispose();
        _parameters.Dispose();
    }

    /// <summary>Per-sample scratch for x's rows (never empty, even with no hidden unit: the kernels take a view of it either way).</summary>
    private Tensor AllocateHidden(Tensor x) => x.Device.Allocate([Math.Max(1, 2 * _hiddenUnits * x.Dim(0))]);

    private MlpScratch Scratch(Tensor hidden, Tensor x) => MlpScratch.Create(hidden.View, x.Dim(0), 2 * _hiddenUnits, UnitMajor);

    /// <summary>Copies every layer's current weight and bias into the packed buffer.</summary>
    private MlpWeights Pack()
    {
        int offset = 0;
        foreach (Linear layer in _layers)
        {
            foreach (Tensor t in (ReadOnlySpan<Tensor>)[layer.Weight.Value, layer.Bias.Value])
            {
                // On the host a span copy: the accelerator's copy allocates, once per tensor and sampler step.
                if (OnHost) HostMemory.Of(t.View).CopyTo(HostMemory.Of(_parameters.View.SubView(offset, t.Length)));
                else t.View.CopyTo(_parameters.View.SubView(offset, t.Length));
                offset += t.Length;
            }
        }
        return new MlpWeights(_parameters.View, _widths.View, _layers.Length, _hiddenUnits);
    }

    /// <summary>The launches, specialised for the activation struct once.</summary>
    private sealed class Typed<TFn>(FusedMlp owner, TFn activation) : EnergySource where TFn : struct, IUnaryFunction
    {
        public override bool Fits(int chains) => owner.Fits(chains);

        public override bool FusesChains => !owner.OnHost;

        protected override void WriteEnergies(Tensor x, Tensor energies)
        {
            using Tensor hidden = owner.AllocateHidden(x);
            if (owner.OnHost)
            {
                Evaluate(x, hidden, default, energies.View);
                return;
            }
            x.Device.Launch(MlpKernels.Energies, x.Dim(0), x.View, energies.View, owner.Scratch(hidden, x), owner.Pack(), activation);
        }

        protected override void WriteGradients(Tensor x, Tensor gradient)
        {
            using Tensor hidden = owner.AllocateHidden(x);
            if (owner.OnHost)
            {
                Evaluate(x, hidden, gradient.View, default);
                return;
            }
            x.Device.Launch(MlpKernels.Gradients, x.Dim(0), x.View, gradient.View, owner.Scratch(hidden, x), owner.Pack(), activation);
        }

        public override Tensor ChainScratch(Tensor x) => owner.AllocateHidden(x);

        public override void Evaluate(Tensor x, Tensor? scratch, ArrayView<float> gradient, ArrayView<float> energies) =>
            CpuMlp.Evaluate(x.View, x.Dim(0), owner.Pack().Parameters, owner._hostWidths, scratch!.View, energies, gradient, activation);

        public override void Chains<TTransition>(Tensor x, Tensor? scratch, ChainBuffers buffers, Tensor trajectory,
            ChainSettings settings, Philox4x32 rng, TTransition transition)
        {
            MlpWeights weights = owner.Pack();
            MlpScratch hidden = owner.Scratch(scratch!, x);
            if (owner.Cooperative)
                x.Device.LaunchGroups(ChainKernels.GroupChains, ChainGroup.For(x.Dim(0)), ChainGroup.MaxThreads, x.View, buffers,
                    trajectory.View, settings, rng, new MlpGroupSource<TFn>(weights, hidden, activation), transition);
            else
                x.Device.Launch(ChainKernels.Chains, x.Dim(0), x.View, buffers, trajectory.View, settings, rng,
                    new MlpSource<TFn>(weights, hidden, activation), transition);
        }
    }

    private sealed class Resolve(FusedMlp owner) : IUnaryFunctionVisitor<EnergySource>
    {
        public EnergySource Visit<TFn>(TFn activation) where TFn : struct, IUnaryFunction => new Typed<TFn>(owner, activation);
    }
}

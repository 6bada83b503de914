using ILGPU;
using TorchEbm.Energies;
using TorchEbm.Kernels.Random;
using TorchEbm.Kernels.Samplers;
using TorchEbm.Kernels.Samplers.Lanes;

namespace TorchEbm.Models;

/// <summary>
/// A model's energy as a device-side <see cref="IEnergySource"/> struct, resolved once per model (see
/// <see cref="BaseModel.Source"/>): samplers hand it their transition and it launches the generic chain kernel
/// specialised for both, so no visitor or type test runs per call.
/// </summary>
internal abstract class EnergySource
{
    /// <summary>
    /// Whether chains on a CPU device run the host SIMD twins of the kernels where the source has one (default); tests clear
    /// it to run the ILGPU kernels, the reference, on the CPU accelerator.
    /// </summary>
    internal bool HostSimd { get; set; } = true;

    /// <summary>Whether one launch can run <paramref name="chains"/> chains (false: the sampler goes step by step).</summary>
    public virtual bool Fits(int chains) => true;

    /// <summary>Whether one launch can run <paramref name="chains"/> chains of dimension <paramref name="dim"/> (a traced
    /// energy also needs a trace for the dimension).</summary>
    public virtual bool Fits(int chains, int dim) => Fits(chains);

    /// <summary>E(x) for every row of x (n, d): a new (n) tensor, freed again if the launch fails.</summary>
    public Tensor Energies(Tensor x) => Fill(x.Device.Allocate([x.Dim(0)]), x, WriteEnergies);

    /// <summary>dE/dx for every row of x (n, d): a new (n, d) tensor, freed again if the launch fails.</summary>
    public Tensor Gradients(Tensor x) => Fill(x.Device.Allocate(x.Shape), x, WriteGradients);

    /// <summary>Writes E(x) of every row of x into <paramref name="energies"/> (n).</summary>
    protected abstract void WriteEnergies(Tensor x, Tensor energies);

    /// <summary>Writes dE/dx of every row of x into <paramref name="gradient"/> (n, d).</summary>
    protected abstract void WriteGradients(Tensor x, Tensor gradient);

    private static Tensor Fill(Tensor result, Tensor x, Action<Tensor, Tensor> write)
    {
        try { write(x, result); }
        catch
        {
            result.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>
    /// Whether <see cref="Chains{TTransition}"/> runs whole chains in one launch. When false the sampler goes step by step
    /// and reads every evaluation from <see cref="Evaluate"/> (a host-side batched network on the CPU).
    /// </summary>
    public virtual bool FusesChains => true;

    /// <summary>
    /// dE/dx of x's rows into <paramref name="gradient"/> (n * d floats) and, when <paramref name="energies"/> is not
    /// empty, E into it (n), using the run's <paramref name="scratch"/>; only for sources that do not fuse chains.
    /// </summary>
    public virtual void Evaluate(Tensor x, Tensor? scratch, ArrayView<float> gradient, ArrayView<float> energies) =>
        throw new NotSupportedException($"{GetType().Name} runs whole chains in one launch.");

    /// <summary>
    /// Working memory the source's chain launches need for the chains of x (a network's hidden activations), allocated
    /// once per run and passed to every <see cref="Chains{TTransition}"/> of it; null when none is needed.
    /// </summary>
    public virtual Tensor? ChainScratch(Tensor x) => null;

    /// <summary>settings.Steps steps of <paramref name="transition"/> for every chain (row of x) in one launch.</summary>
    /// <param name="x">The chains' states (n, d), advanced in place.</param>
    /// <param name="scratch">What <see cref="ChainScratch"/> gave for x.</param>
    /// <param name="buffers">The chains' rows and scalars for the transition (kept across the launches of a run).</param>
    /// <param name="trajectory">Kept states (kept, n, d), or a one-element tensor to keep none.</param>
    /// <param name="settings">Dimension, steps, first step, thinning and Philox call.</param>
    /// <param name="rng">The Philox key.</param>
    /// <param name="transition">The algorithm's step.</param>
    public abstract void Chains<TTransition>(Tensor x, Tensor? scratch, ChainBuffers buffers, Tensor trajectory, ChainSettings settings,
        Philox4x32 rng, TTransition transition) where TTransition : struct, ITransition;

    /// <summary>
    /// A block of warm-up steps as one launch of the CPU lane twins with the warm-up's per-step work fused in
    /// (<see cref="LaneAdaptation"/>), keeping no trajectory; false, with nothing done, where the chains would not run as
    /// lanes (a GPU, <see cref="HostSimd"/> cleared, no lane twin for the energy or the transition): the caller then goes
    /// step by step.
    /// </summary>
    public virtual bool TryHostWarmup<TTransition>(Tensor x, Tensor? scratch, ChainBuffers buffers, Tensor none, ChainSettings settings,
        Philox4x32 rng, TTransition transition, LaneAdaptation adaptation) where TTransition : struct, ITransition => false;
}

/// <summary>
/// An analytic energy struct as a chain source: the generic chain kernel, or on the CPU its host SIMD twin
/// <see cref="CpuChains"/> where the energy has a host vector form (<see cref="IHostEnergy"/>).
/// </summary>
internal class AnalyticEnergySource<TEnergy>(TEnergy energy) : EnergySource where TEnergy : struct, IEnergy
{
    private readonly CpuChains? _hostChains = CpuChains.IsSupported ? CpuChains.For(energy) : null;

    /// <summary>The energy struct.</summary>
    protected TEnergy Energy { get; } = energy;

    /// <summary>Whether x's chains may run as host SIMD code.</summary>
    protected bool OnHost(Tensor x) => HostSimd && x.Device.Kind == DeviceKind.Cpu;

    /// <inheritdoc />
    protected override void WriteEnergies(Tensor x, Tensor energies) =>
        x.Device.Launch(EnergyKernels.Forward, x.Dim(0), x.View, energies.View, x.Dim(1), Energy);

    /// <inheritdoc />
    protected override void WriteGradients(Tensor x, Tensor gradient) =>
        x.Device.Launch(EnergyKernels.Gradient, x.Dim(0), x.View, gradient.View, x.Dim(1), Energy);

    /// <inheritdoc />
    public override void Chains<TTransition>(Tensor x, Tensor? scratch, ChainBuffers buffers, Tensor trajectory, ChainSettings settings,
        Philox4x32 rng, TTransition transition)
    {
        if (TryHostChains(x, buffers, trajectory, settings, rng, transition)) return;
        x.Device.Launch(ChainKernels.Chains, x.Dim(0), x.View, buffers, trajectory.View, settings, rng,
            new AnalyticSource<TEnergy>(Energy), transition);
    }

    /// <inheritdoc />
    public override bool TryHostWarmup<TTransition>(Tensor x, Tensor? scratch, ChainBuffers buffers, Tensor none, ChainSettings settings,
        Philox4x32 rng, TTransition transition, LaneAdaptation adaptation) =>
        TryHostChains(x, buffers, none, settings, rng, transition, adaptation);

    /// <summary>Runs the chains with <see cref="CpuChains"/> when they may run on the host and it has a twin for the transition.</summary>
    protected bool TryHostChains<TTransition>(Tensor x, ChainBuffers buffers, Tensor trajectory, ChainSettings settings, Philox4x32 rng,
        TTransition transition, LaneAdaptation adaptation = default) where TTransition : struct, ITransition =>
        OnHost(x) && _hostChains is not null && _hostChains.TryRun(x.View, buffers, trajectory.View, settings, rng, transition, adaptation);
}

/// <summary>
/// A separable energy: Langevin runs its per-coordinate kernel (<see cref="LangevinKernels.Coordinates{TEnergy}"/>, the
/// same samples with one work item per block of four coordinates), every other transition the generic chain kernel over
/// <see cref="SeparableSource{TEnergy}"/> (one pass per gradient). On the CPU, Langevin runs the per-coordinate kernel's
/// host SIMD twin <see cref="CpuLangevin"/> and the others <see cref="CpuChains"/>: the same counters and updates,
/// normals equal to float rounding.
/// </summary>
internal sealed class SeparableEnergySource<TEnergy>(TEnergy energy) : AnalyticEnergySource<TEnergy>(energy)
    where TEnergy : struct, ISeparableEnergy
{
    /// <inheritdoc />
    /// <remarks>The test on the transition's type is decided when the JIT specialises this method for it.</remarks>
    public override void Chains<TTransition>(Tensor x, Tensor? scratch, ChainBuffers buffers, Tensor trajectory, ChainSettings settings,
        Philox4x32 rng, TTransition transition)
    {
        if (transition is LangevinTransition langevin)
        {
            if (OnHost(x) && CpuLangevin.IsSupported && trajectory.Length <= int.MaxValue) // host spans index with int
            {
                CpuLangevin.Coordinates(x.View, trajectory.View, settings, rng, langevin, Energy);
                return;
            }
            long items = (long)x.Dim(0) * ((x.Dim(1) + 3) / 4);
            x.Device.Launch(LangevinKernels.Coordinates, items, x.View, trajectory.View, settings, rng, langevin, Energy);
            return;
        }
        if (TryHostChains(x, buffers, trajectory, settings, rng, transition)) return;
        x.Device.Launch(ChainKernels.Chains, x.Dim(0), x.View, buffers, trajectory.View, settings, rng,
            new SeparableSource<TEnergy>(Energy), transition);
    }
}

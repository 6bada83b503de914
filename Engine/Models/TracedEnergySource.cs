using ILGPU;
using ILGPU.Runtime;
using TorchEbm.Autodiff;
using TorchEbm.Kernels.Random;
using TorchEbm.Kernels.Samplers;
using TorchEbm.Kernels.Samplers.Lanes;
using TorchEbm.Traced;

namespace TorchEbm.Models;

/// <summary>
/// A model written in tape ops (<see cref="BaseModel.Energies"/>) as a chain source: its energy is traced once per sample
/// dimension on one row (<see cref="Tracer"/>), checked, and then every sampler run is one launch of the chain kernel over
/// <see cref="TracedSource"/>, each chain interpreting the program in its own scratch row. A dimension whose trace is
/// refused (an op without an instruction, rows mixed, a graph that changes with x, a result that differs from the tape)
/// keeps the step-by-step path; <see cref="Status"/> says which and why.
/// </summary>
internal sealed class TracedEnergySource(BaseModel model) : EnergySource, IDisposable
{
    /// <summary>Relative tolerance of the check of a trace against the tape, |traced - tape| &lt;= it * (1 + |tape|) element by element.</summary>
    /// <remarks>Both are float32 with the same formulas; they differ only in summation order and fused multiply-adds, a few
    /// ulps per op, far below this; a replay that mixed rows or missed an op is off by O(1).</remarks>
    internal const float CheckTolerance = 1e-3f;

    private readonly Dictionary<int, Resolved> _byDim = [];
    private Resolved? _last;
    private bool _disposed;

    /// <summary>A dimension's trace: the program and its device copy, or why there is none.</summary>
    private sealed class Resolved(EnergyProgram? program, string status, MemoryBuffer1D<int, Stride1D.Dense>? code, Tensor? numbers) : IDisposable
    {
        public EnergyProgram? Program => program;
        public string Status => status;
        public MemoryBuffer1D<int, Stride1D.Dense>? Code => code;
        public Tensor? Numbers => numbers;

        public void Dispose()
        {
            code?.Dispose();
            numbers?.Dispose();
        }
    }

    /// <summary>Whether samples of dimension <paramref name="dim"/> run traced (tracing it on first use).</summary>
    public bool Traces(int dim) => Resolve(dim).Program is not null;

    /// <summary>Why samples of dimension <paramref name="dim"/> do or do not run traced.</summary>
    public string Status(int dim) => Resolve(dim).Status;

    /// <summary>The dimension traced last, with its status, or null before any.</summary>
    public (int Dim, bool Traced, string Status)? Last
    {
        get
        {
            lock (_byDim) return _last is null ? null : (_byDim.First(p => ReferenceEquals(p.Value, _last)).Key, _last.Program is not null, _last.Status);
        }
    }

    /// <summary>The program of dimension <paramref name="dim"/>, or null when it is not traced.</summary>
    internal EnergyProgram? ProgramFor(int dim) => Resolve(dim).Program;

    /// <summary>The host twin of dimension <paramref name="dim"/>'s program (eight chains per vector) with the constant pool as it is now, or null when it is not traced.</summary>
    internal TracedLanes? HostLanes(int dim)
    {
        if (Resolve(dim) is not { Program: EnergyProgram p } resolved) return null;
        using Tensor pool = Scratch(resolved, 0);
        return new TracedLanes(p, pool.ToArray()[..p.PoolLength]);
    }

    /// <inheritdoc />
    public override bool Fits(int chains, int dim) =>
        Resolve(dim).Program is EnergyProgram p && p.PoolLength + (long)chains * 2 * p.Values <= int.MaxValue;

    private Resolved Resolve(int dim)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_byDim)
        {
            if (!_byDim.TryGetValue(dim, out Resolved? resolved))
                _byDim[dim] = resolved = Trace(dim);
            _last = resolved;
            return resolved;
        }
    }

    /// <summary>Traces the energy for <paramref name="dim"/>: twice on different rows (the same instructions both times), then checked against the tape on a batch.</summary>
    private Resolved Trace(int dim)
    {
        string name = model.GetType().Name;
        EnergyProgram? program;
        string? refusal;
        try
        {
            using Tensor first = model.Device.FromArray(Points(1, dim, seed: 1), 1, dim), second = model.Device.FromArray(Points(1, dim, seed: 2), 1, dim);
            program = Tracer.Trace(model.CheckedEnergies, first, out refusal);
            if (program is not null && (Tracer.Trace(model.CheckedEnergies, second, out _) is not EnergyProgram again || !program.SameStructure(again)))
                (program, refusal) = (null, "its ops change between calls (two traces on different rows differ)");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new Resolved(null, $"{name} runs step by step: tracing its energy threw {e.GetType().Name}: {e.Message}", null, null);
        }
        if (program is null) return new Resolved(null, $"{name} runs step by step: {refusal}.", null, null);
        program = Rewritten(program);
        var code = model.Device.Accelerator.Allocate1D(program.Code);
        Tensor numbers = model.Device.FromArray(program.Numbers, program.Numbers.Length);
        var resolved = new Resolved(program, $"{name} runs traced: {program.Length} instructions, {program.Values} values per chain, {program.ConstantFloats} constant floats; {TracedLanes.HostPath(program)}.", code, numbers);
        string? mismatch;
        try
        {
            mismatch = Check(resolved, dim);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            mismatch = $"could not be checked against the tape ({e.GetType().Name}: {e.Message})";
        }
        if (mismatch is null) return resolved;
        resolved.Dispose();
        return new Resolved(null, $"{name} runs step by step: its traced energy {mismatch}.", null, null);
    }

    /// <summary><paramref name="program"/> with its one-row column slices read in place (<see cref="ProgramRewrite.AliasRowSlices"/>).</summary>
    private static EnergyProgram Rewritten(EnergyProgram program)
    {
        int result = program.Result;
        (int[] code, float[] numbers) = ProgramRewrite.AliasRowSlices(program.Code, program.Numbers, ref result);
        return new EnergyProgram(program.Dim, code, numbers, program.Constants, program.Values, result);
    }

    /// <summary>
    /// Energies and gradients of the traced program on a batch of three rows against the tape's (the model's own Forward and
    /// Gradient): null when they agree within <see cref="CheckTolerance"/>, else what differs.
    /// </summary>
    private string? Check(Resolved resolved, int dim)
    {
        const int rows = 3;
        using Tensor x = model.Device.FromArray(Points(rows, dim, seed: 3), rows, dim);
        using Tensor tapeEnergies = model.Forward(x), tapeGradients = model.Gradient(x);
        using Tensor energies = model.Device.Allocate([rows]), gradients = model.Device.Allocate([rows, dim]);
        Evaluate(resolved, x, energies, gradients);
        return Differs(energies.ToArray(), tapeEnergies.ToArray(), "energies") ?? Differs(gradients.ToArray(), tapeGradients.ToArray(), "gradients");
    }

    private static string? Differs(float[] traced, float[] tape, string what)
    {
        for (int i = 0; i < traced.Length; i++)
        {
            bool same = float.IsNaN(traced[i]) ? float.IsNaN(tape[i]) : Math.Abs(traced[i] - tape[i]) <= CheckTolerance * (1f + Math.Abs(tape[i])) || traced[i] == tape[i];
            if (!same) return $"{what} differ from the tape's at a check point ({traced[i]} against {tape[i]})";
        }
        return null;
    }

    /// <summary>Check points: <paramref name="rows"/> x <paramref name="dim"/> values in (-1, 1), fixed by <paramref name="seed"/>.</summary>
    private static float[] Points(int rows, int dim, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, rows * dim).Select(_ => (float)(random.NextDouble() * 1.6 - 0.8))];
    }

    /// <summary>The device form of a resolved program over a filled pool (the first floats of <paramref name="scratch"/>) and its per-chain rows after it.</summary>
    private TracedSource OnDevice(Resolved resolved, Tensor scratch)
    {
        EnergyProgram p = resolved.Program!;
        ArrayView<float> pool = scratch.View.SubView(0, p.PoolLength), rows = scratch.View.SubView(p.PoolLength, scratch.Length - p.PoolLength);
        return new TracedSource(new TracedProgram(resolved.Code!.View, resolved.Numbers!.View, pool, p.Values, p.Result), rows);
    }

    /// <summary>Scratch for <paramref name="chains"/> chains with the constant pool filled in front (parameters as they are now).</summary>
    private Tensor Scratch(Resolved resolved, int chains)
    {
        EnergyProgram p = resolved.Program!;
        Tensor scratch = model.Device.Allocate([checked(p.PoolLength + chains * 2 * p.Values)]);
        try
        {
            p.FillPool(scratch, model.GetType().Name);
        }
        catch
        {
            scratch.Dispose();
            throw;
        }
        return scratch;
    }

    private void Evaluate(Resolved resolved, Tensor x, Tensor energies, Tensor? gradients)
    {
        using Tensor scratch = Scratch(resolved, x.Dim(0));
        model.Device.Launch(TracedKernels.Evaluate, x.Dim(0), x.View, energies.View, gradients?.View ?? energies.View.SubView(0, 1), x.Dim(1),
            OnDevice(resolved, scratch));
    }

    private Resolved Traced(Tensor x) => Resolve(x.Dim(1)) is { Program: not null } r
        ? r
        : throw new InvalidOperationException($"{model.GetType().Name} does not run traced for dimension {x.Dim(1)}.");

    /// <inheritdoc />
    protected override void WriteEnergies(Tensor x, Tensor energies) => Evaluate(Traced(x), x, energies, null);

    /// <inheritdoc />
    protected override void WriteGradients(Tensor x, Tensor gradient)
    {
        using Tensor energies = model.Device.Allocate([x.Dim(0)]);
        Evaluate(Traced(x), x, energies, gradient);
    }

    /// <inheritdoc />
    public override Tensor? ChainScratch(Tensor x) => Scratch(Traced(x), x.Dim(0));

    /// <inheritdoc />
    /// <remarks>On the CPU (unless <see cref="EnergySource.HostSimd"/> is cleared) the chains run as host code: eight chains per
    /// vector through the samplers' lane twins over <see cref="TracedLanes"/> where the transition has one (Langevin, MALA,
    /// HMC, NUTS, also tempered), else the chain kernel's own per-chain body (<see cref="ChainKernels.Chain{TSource, TTransition}"/>) over the accelerator's memory,
    /// chains spread over the cores, which spares the CPU accelerator's simulated threads; the same operations in the same
    /// order, so the same samples bit for bit (the lanes' vector normals aside: <see cref="CpuChains"/>).</remarks>
    public override void Chains<TTransition>(Tensor x, Tensor? scratch, ChainBuffers buffers, Tensor trajectory, ChainSettings settings,
        Philox4x32 rng, TTransition transition)
    {
        TracedSource source = OnDevice(Traced(x), scratch!);
        if (!HostSimd || x.Device.Kind != DeviceKind.Cpu)
        {
            x.Device.Launch(ChainKernels.Chains, x.Dim(0), x.View, buffers, trajectory.View, settings, rng, source, transition);
            return;
        }
        x.Device.Synchronize();
        if (CpuChains.IsSupported && HostChains(x, source).TryRun(x.View, buffers, trajectory.View, settings, rng, transition)) return;
        ArrayView<float> view = x.View, kept = trajectory.View;
        int chains = x.Dim(0), blocks = Math.Min(chains, 4 * Environment.ProcessorCount);
        Parallel.For(0, blocks, block =>
        {
            for (int c = (int)((long)chains * block / blocks), end = (int)((long)chains * (block + 1) / blocks); c < end; c++)
                ChainKernels.Chain(c, view, buffers, kept, settings, rng, source, transition);
        });
        GC.KeepAlive(x);
        GC.KeepAlive(trajectory);
        GC.KeepAlive(scratch);
    }

    /// <inheritdoc />
    public override bool TryHostWarmup<TTransition>(Tensor x, Tensor? scratch, ChainBuffers buffers, Tensor none, ChainSettings settings,
        Philox4x32 rng, TTransition transition, LaneAdaptation adaptation)
    {
        if (!HostSimd || x.Device.Kind != DeviceKind.Cpu || !CpuChains.IsSupported) return false;
        x.Device.Synchronize();
        return HostChains(x, OnDevice(Traced(x), scratch!)).TryRun(x.View, buffers, none.View, settings, rng, transition, adaptation);
    }

    /// <summary>The CPU lane twin of x's chains: <see cref="TracedLanes"/> over the constant pool as the run filled it (call
    /// after the device's pending work).</summary>
    private CpuChains HostChains(Tensor x, TracedSource source) =>
        CpuChains.For(new TracedLanes(Traced(x).Program!, HostMemory.Of(source.Program.Constants).ToArray()))!;

    /// <summary>Frees the programs' device copies.</summary>
    public void Dispose()
    {
        lock (_byDim)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (Resolved r in _byDim.Values) r.Dispose();
            _byDim.Clear();
        }
    }
}

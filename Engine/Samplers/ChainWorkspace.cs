namespace TorchEbm.Samplers;

/// <summary>
/// A run's working memory kept by its caller between runs of one shape (<see cref="Losses.ContrastiveDivergence"/>'s negatives,
/// call after call): the chains' states, rows and scalars, the one-element placeholders, the source's scratch and the
/// schedule tables, handed out again in the order a run asks for them, and the run's own objects (its request, the
/// <see cref="ChainRun"/> and its chains, the result), so a steady run allocates nothing. A run of another chain count or
/// dimension frees the memory and starts over; disposing frees it.
/// </summary>
/// <remarks>The memory is what a fresh run would allocate (uninitialised, or zeroed where the run zeroes it) and a table is
/// uploaded again whenever its values differ from the kept ones, so a run computes the same bits with or without it. Only
/// runs whose samples alone are taken use one (<see cref="Sampler.Advance"/>): it keeps no trajectory or statistics, and
/// the samples a run returns are the workspace's states tensor, the caller's to read (not to dispose) until the next run.</remarks>
internal sealed class ChainWorkspace : IDisposable
{
    private readonly List<Tensor> _tensors = [];
    private readonly List<(float[] Values, Tensor Table)> _tables = [];
    private float[] _scratch = [];
    private int _chains, _dim, _nextTensor, _nextTable;

    private ChainRequest? _request;
    private ChainResult? _result;
    private Tensor? _states, _handedOver;

    /// <summary>
    /// The final states of a run in the workspace, the workspace's from now on: its states tensor (<see cref="States"/>), or a
    /// tensor a run made instead (parallel tempering's cold replicas), which the workspace then frees at the next run's
    /// hand-over or with its memory. Either is the caller's to read, not to dispose, until the next run.
    /// </summary>
    internal Tensor HandOver(Tensor samples)
    {
        if (ReferenceEquals(samples, _states))
        {
            _handedOver?.Dispose(); // a tensor an earlier run made is no one's to read any more
            _handedOver = null;
            return samples;
        }
        if (!ReferenceEquals(samples, _handedOver)) _handedOver?.Dispose();
        return _handedOver = samples;
    }

    /// <summary>The run's chain states for this shape (<paramref name="device"/>'s, uninitialised): a piece of the kept memory.</summary>
    internal Tensor States(Device device, ReadOnlySpan<int> shape) => _states = Rent(device, shape);

    /// <summary>The run object of the workspace's runs, started afresh by each (<see cref="ChainRun.Start"/>).</summary>
    internal ChainRun? Run { get; set; }

    /// <summary>The result of a run that returns only <paramref name="samples"/> (the workspace's states tensor): the last
    /// one when it holds that tensor for that model, else a new one, kept. Its samples are only ever taken (<see cref="ChainResult.TakeSamples"/>).</summary>
    internal ChainResult Result(Tensor samples, Models.BaseModel model)
    {
        if (_result is { } last && ReferenceEquals(last.Samples, samples) && ReferenceEquals(last.Model, model))
        {
            last.ForgetCachedChecks(); // the states are this run's: nothing read from the last run's may stand
            return last;
        }
        return _result = new ChainResult(samples, null, null) { Model = model };
    }

    /// <summary>The request of <see cref="Sampler.Advance"/> from the states <paramref name="x"/>: the last one when it was for
    /// the same tensor, steps and first chain (CD starts from its one kept tensor of starting states every call), else a new one, kept.</summary>
    internal ChainRequest Request(Tensor x, int nSteps, int firstChain)
    {
        if (_request is { } last && ReferenceEquals(last.Options.InitialSamples, x) && last.Steps == nSteps && last.Options.FirstChain == firstChain)
            return last;
        return _request = Sampler.AdvanceRequest(x, nSteps, firstChain, this);
    }

    /// <summary>The source's chain scratch for this shape (see <see cref="Models.EnergySource.ChainScratch"/>), once made.</summary>
    internal Tensor? SourceScratch { get; set; }

    /// <summary>Starts a run of <paramref name="chains"/> chains of dimension <paramref name="dim"/>: hands the kept memory
    /// out again from the first piece, after freeing it if the shape changed (or a piece was freed elsewhere). Returns itself.</summary>
    internal ChainWorkspace Begin(int chains, int dim)
    {
        if (chains != _chains || dim != _dim || _tensors.Exists(t => t.IsDisposed) || _tables.Exists(t => t.Table.IsDisposed) || SourceScratch is { IsDisposed: true })
        {
            Free();
            _chains = chains;
            _dim = dim;
        }
        _nextTensor = 0;
        _nextTable = 0;
        return this;
    }

    /// <summary>The run's next piece of working memory, of <paramref name="shape"/> (uninitialised): the kept one when it has that shape.</summary>
    internal Tensor Rent(Device device, ReadOnlySpan<int> shape)
    {
        int slot = _nextTensor++;
        if (slot < _tensors.Count && _tensors[slot].SharedShape.AsSpan().SequenceEqual(shape)) return _tensors[slot];
        Tensor fresh;
        using (DisposeScope.Suspend()) fresh = device.Allocate(shape.ToArray()); // lives as long as the workspace
        if (slot < _tensors.Count)
        {
            _tensors[slot].Dispose();
            _tensors[slot] = fresh;
        }
        else _tensors.Add(fresh);
        return fresh;
    }

    /// <summary>A host array of <paramref name="length"/> floats for the values of the run's next table (reused).</summary>
    internal float[] TableScratch(int length)
    {
        if (_scratch.Length != length) _scratch = new float[length];
        return _scratch;
    }

    /// <summary>The run's next schedule table holding <paramref name="values"/>: the kept one, uploaded again only when the
    /// values differ from those it holds (a table of another length is replaced).</summary>
    internal Tensor Table(Device device, ReadOnlySpan<float> values)
    {
        int slot = _nextTable++;
        if (slot < _tables.Count && _tables[slot].Values.Length == values.Length)
        {
            (float[] held, Tensor table) = _tables[slot];
            if (!values.SequenceEqual(held))
            {
                device.CopyFromHost(values, table.View);
                values.CopyTo(held);
            }
            return table;
        }
        Tensor fresh;
        using (DisposeScope.Suspend()) fresh = device.FromSpan(values, values.Length); // lives as long as the workspace
        if (slot < _tables.Count)
        {
            _tables[slot].Table.Dispose();
            _tables[slot] = (values.ToArray(), fresh);
        }
        else _tables.Add((values.ToArray(), fresh));
        return fresh;
    }

    private void Free()
    {
        _tensors.ForEach(t => t.Dispose());
        _tensors.Clear();
        _tables.ForEach(t => t.Table.Dispose());
        _tables.Clear();
        SourceScratch?.Dispose();
        SourceScratch = null;
        _request = null;
        _result = null;
        _states = null;
        _handedOver?.Dispose();
        _handedOver = null;
    }

    /// <inheritdoc />
    public void Dispose() => Free();
}

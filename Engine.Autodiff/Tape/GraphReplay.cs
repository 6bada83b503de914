namespace TorchEbm.Autodiff;

/// <summary>
/// A training step's loss graph kept between calls and replayed on the next call's inputs: after the first call a
/// loss (contrastive divergence, score matching) keeps the result it returned, with every Var, tensor and gradient
/// buffer behind it; once its holder has disposed it, the next call with inputs of the same shapes writes them into the
/// kept input leaves and runs each op's forward driver again from its recorded node (<see cref="Var.Forward"/>), in
/// recorded order, into its kept value. The backward pass runs through the same drivers into the kept gradient
/// buffers. So an iteration makes no Var, tensor or buffer after the first, and computes the same bits as recording.
/// </summary>
/// <remarks>
/// <para>A replay is refused, and the caller records a new graph, when anything it would assume may not hold: the
/// holder still holds the last result, the key (the shapes and settings the caller names) or the model differs, the tape
/// records gradients in one call but not the other, a tracer is recording, or a kept value was freed (by a dispose scope,
/// or a disposed parameter). The caller keeps a graph only for a model whose energy records the same ops for every call
/// of the same shapes (<c>BaseModel.HasStaticEnergies</c>); for any other the graph is recorded call by call.</para>
/// <para>One instance per loss; not thread-safe (a loss is not).</para>
/// </remarks>
internal sealed class GraphReplay : IDisposable
{
    private readonly List<Var> _ops = [];
    private readonly List<Var> _leaves = [];
    private Var[] _inputs = [];
    private int[] _key = [];
    private object? _model;
    private bool _withGradients;
    private Var? _result;

    /// <summary>How many calls were replayed (for tests and benchmarks).</summary>
    public int Replays { get; private set; }

    /// <summary>
    /// The kept graph's input leaves (in the order given to <see cref="Keep"/>) when it can be replayed now for
    /// <paramref name="model"/> and <paramref name="key"/>: the caller writes the new inputs into their values and calls
    /// <see cref="Run"/>. Null when it cannot (the caller records a new graph; <see cref="Keep"/> replaces the old one).
    /// </summary>
    public Var[]? Inputs(object model, ReadOnlySpan<int> key)
    {
        if (_result is not Var result || !result.IsReleased || !ReferenceEquals(model, _model) || !key.SequenceEqual(_key)
            || Tape.IsRecording != _withGradients || Tracer.Current is not null)
            return null;
        foreach (Var op in _ops)
            if (!op.IsIntact) return null;
        foreach (Var leaf in _leaves)
            if (!leaf.IsIntact) return null;
        return _inputs;
    }

    /// <summary>Recomputes every op of the kept graph from its inputs' new values and hands the result back to the caller.</summary>
    public Var Run()
    {
        Var result = _result ?? throw new InvalidOperationException("No graph is kept.");
        foreach (Var op in _ops) op.Forward();
        result.Reclaim();
        Replays++;
        return result;
    }

    /// <summary>
    /// Keeps the graph behind <paramref name="result"/> (a new call's) in place of the last one, with
    /// <paramref name="inputs"/> as the leaves a call writes, for <paramref name="model"/> and <paramref name="key"/>; returns
    /// <paramref name="result"/>. A graph with an op that has no forward driver is not kept.
    /// </summary>
    public Var Keep(Var result, object model, ReadOnlySpan<int> key, ReadOnlySpan<Var> inputs)
    {
        Drop();
        Var.GraphOf(result, _ops, _leaves);
        foreach (Var input in inputs)
            if (!_leaves.Contains(input))
            {
                // An input the graph does not read (or reads through an op): nothing to write it into.
                _ops.Clear();
                _leaves.Clear();
                return result;
            }
        foreach (Var op in _ops) op.SetKept(true);
        _inputs = inputs.ToArray();
        _key = key.ToArray();
        _model = model;
        _withGradients = Tape.IsRecording;
        _result = result;
        return result;
    }

    /// <summary>
    /// Lets go of the kept graph: frees it if its holder has released it, else leaves it to the holder's Dispose. Callers
    /// drop it before recording a new graph, so two graphs are not held at once.
    /// </summary>
    public void Drop()
    {
        Var? result = _result;
        _result = null;
        foreach (Var op in _ops) op.SetKept(false);
        result?.FreeReleased();
        _ops.Clear();
        _leaves.Clear();
        _inputs = [];
        _model = null;
    }

    /// <inheritdoc />
    public void Dispose() => Drop();
}

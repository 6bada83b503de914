using ILGPU.Runtime;
using TorchEbm.Autodiff;
using TorchEbm.Losses;

namespace TorchEbm.Training;

/// <summary>
/// Data-parallel averaging of one step: every parameter's gradient and the loss, weighted by the replica's share of the
/// batch, flattened into one host buffer and summed over the replicas with one <see cref="IReplicaGroup.SumInPlace"/>,
/// then copied back into the gradients. The weighted sum of the shares' means is the mean over the whole batch.
/// </summary>
internal sealed class GradientAveraging(Var[] parameters, IReplicaGroup group)
{
    // One buffer for the run: the gradients in parameter order, then the loss.
    private readonly float[] _buffer = new float[parameters.Sum(p => (long)p.Value.Length) + 1 is var n && n <= Array.MaxLength
        ? (int)n : throw new ArgumentException($"The model's parameters hold {n - 1} floats, more than one buffer can.", nameof(parameters))];

    /// <summary>Averages the gradients in place over the replicas; returns the batch's loss from this share's <paramref name="loss"/>.</summary>
    public float Average(float loss, BatchShard shard)
    {
        float weight = (float)shard.Count / shard.Total;
        int offset = 0;
        foreach (Var p in parameters)
        {
            Span<float> slice = _buffer.AsSpan(offset, p.Value.Length);
            if (p.Grad is Tensor grad) grad.CopyTo(slice);
            else slice.Clear(); // no gradient here: contributes nothing to the sum
            offset += slice.Length;
        }
        _buffer[^1] = loss;
        if (weight != 1f)
            for (int i = 0; i < _buffer.Length; i++) _buffer[i] *= weight;
        group.SumInPlace(_buffer);
        offset = 0;
        foreach (Var p in parameters)
        {
            if (p.Grad is Tensor grad) grad.View.CopyFromCPU(new ReadOnlySpan<float>(_buffer, offset, p.Value.Length));
            offset += p.Value.Length;
        }
        return _buffer[^1];
    }
}

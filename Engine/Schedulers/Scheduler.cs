namespace TorchEbm.Schedulers;

/// <summary>
/// A value that changes with the step index t = 0, 1, 2, ... of a run: a step size, a noise scale, a learning rate.
/// Schedules are pure functions of t, so a run with the same seed and schedule repeats bit for bit.
/// A float converts implicitly to a <see cref="ConstantScheduler"/>; the consumer (e.g. a sampler's stepSize) checks
/// its range and names its own parameter in the error.
/// </summary>
public abstract class Scheduler
{
    /// <summary>The value at step <paramref name="step"/> (&gt;= 0).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is negative.</exception>
    public float ValueAt(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return (float)Compute(step);
    }

    /// <summary>The values at steps <paramref name="first"/> .. first + count - 1 (the table fused kernels read).</summary>
    public float[] Values(int first, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var values = new float[count];
        Fill(first, values);
        return values;
    }

    /// <summary>The values at steps <paramref name="first"/> .. first + values.Length - 1 into <paramref name="values"/>
    /// (<see cref="Values"/> without the array: a kept table's values, recomputed each run).</summary>
    internal void Fill(int first, Span<float> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (float)Compute(first + i);
    }

    /// <summary>The first step from which the value never changes again, or null when it keeps changing.</summary>
    internal virtual int? ConstantFrom => null;

    /// <summary>The value at step <paramref name="step"/> &gt;= 0, in double precision.</summary>
    protected abstract double Compute(int step);

    /// <summary>A constant schedule.</summary>
    public static implicit operator Scheduler(float value) => ConstantScheduler.FromFloat(value);
}

namespace TorchEbm.Training;

/// <summary>An <see cref="IProgress{T}"/> that calls a delegate at once on the reporting thread (no synchronisation context).</summary>
internal sealed class CallbackProgress<T>(Action<T> report) : IProgress<T>
{
    /// <inheritdoc />
    public void Report(T value) => report(value);
}

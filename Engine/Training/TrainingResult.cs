using TorchEbm.Models;

namespace TorchEbm.Training;

/// <summary>What a training run produced. Dispose it to free the model and the tensors.</summary>
/// <param name="Model">The trained energy model (the last parameters that gave a finite loss).</param>
/// <param name="Losses">The loss of every completed step.</param>
/// <param name="Data">Training data (DataSize, 2).</param>
/// <param name="HeldOut">Held-out data (EvalSamples, 2), drawn with another seed.</param>
/// <param name="Samples">Model samples (EvalSamples, 2): Langevin from N(0, I) for EvalSteps (default K) steps.</param>
/// <param name="Mmd">Unbiased MMD^2 between <paramref name="Samples"/> and <paramref name="HeldOut"/>.</param>
/// <param name="DataMmd">MMD^2 between a fresh draw of the data set and <paramref name="HeldOut"/>: the floor MMD can reach.</param>
/// <param name="Seconds">Wall time of the training steps.</param>
/// <param name="DivergedAt">The step whose loss was not finite (training stopped there), or null.</param>
public sealed record TrainingResult(
    NeuralNetworkModel Model, IReadOnlyList<float> Losses, Tensor Data, Tensor HeldOut, Tensor Samples,
    float Mmd, float DataMmd, double Seconds, int? DivergedAt) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Model.Dispose();
        Data.Dispose();
        HeldOut.Dispose();
        Samples.Dispose();
    }
}

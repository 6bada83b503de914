using TorchEbm.Autodiff;
using TorchEbm.Losses;
using TorchEbm.Models;

namespace TorchEbm.Tests.Training;

/// <summary>
/// A test loss: the mean energy of the batch (so Backward() reaches the parameters), recording every batch it is given
/// on the host, and turning NaN from call <see cref="NaNFromCall"/> (counting from 0) on, or 1e9 higher (finite but
/// out of range) from call <see cref="HugeFromCall"/> on.
/// </summary>
internal sealed class RecordingLoss : BaseLoss
{
    public List<float[,]> Batches { get; } = [];

    public int NaNFromCall { get; init; } = int.MaxValue;

    public int HugeFromCall { get; init; } = int.MaxValue;

    public int Calls => Batches.Count;

    public override Var Compute(BaseModel model, Tensor data)
    {
        ThrowIfDisposed();
        bool nan = Calls >= NaNFromCall, huge = Calls >= HugeFromCall;
        Batches.Add(data.ToArray2D());
        Var energies = model.Energies(Var.Intermediate(data.Clone()));
        Var mean = energies.Mean();
        return nan ? mean * float.NaN : huge ? mean + 1e9f : mean;
    }
}

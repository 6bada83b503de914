using TorchEbm.Models;

namespace TorchEbm.Tests.Support;

/// <summary>
/// Wraps a model behind public tensor code only, as a user's own BaseModel would be: samplers and composites cannot
/// fuse it, so tests can compare the fused paths with the step-by-step ones. It does not own the wrapped model.
/// </summary>
public sealed class OpaqueModel(BaseModel inner) : BaseModel(inner.Device)
{
    public override int? Dim => inner.Dim;

    public override Tensor Forward(Tensor x) => inner.Forward(x);

    public override Tensor Gradient(Tensor x) => inner.Gradient(x);
}

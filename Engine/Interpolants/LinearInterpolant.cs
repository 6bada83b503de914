using TorchEbm.Kernels.Interpolants;

namespace TorchEbm.Interpolants;

/// <summary>x_t = t x1 + (1 - t) x0: the straight path of rectified flow and conditional flow matching (velocity target x1 - x0).</summary>
public sealed class LinearInterpolant : Interpolant<LinearSchedule>
{
    /// <summary>Creates the path.</summary>
    public LinearInterpolant() : base(new LinearSchedule()) { }
}

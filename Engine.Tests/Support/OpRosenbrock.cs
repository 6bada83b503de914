using TorchEbm.Autodiff;
using TorchEbm.Models;

namespace TorchEbm.Tests.Support;

/// <summary>
/// Rosenbrock written in tape ops over any d >= 2: sum_i b (x_{i+1} - x_i^2)^2 + (a - x_i)^2, a = 1, b = 100, the
/// built-in <see cref="RosenbrockModel"/> as a user would write it (tests and the tape-energy benchmark compare the two).
/// </summary>
internal sealed class OpRosenbrock(Device device) : BaseModel(device)
{
    public override Var Energies(Var x)
    {
        int d = x.Shape[1];
        Var head = x.Columns(0, d - 1), tail = x.Columns(1, d - 1);
        return (100f * (tail - head.Square()).Square() + (1f - head).Square()).Sum(1);
    }
}

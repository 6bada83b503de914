using TorchEbm.Autodiff;
using TorchEbm.Models;

namespace TorchEbm.Tests.Posteriors;

/// <summary>
/// A posteriordb posterior written as an energy in tape ops on Stan's unconstrained space: E(u) = -log p(u) + const, where
/// log p includes the log-Jacobian of each constraining transform (u = log sigma for a positive sigma, u = logit for an
/// interval), so exp(-E) is the density Stan samples. Coordinates are in the order of Stan's unconstrained parameters,
/// which <see cref="Constrain"/> maps to the quantities of the reference draws.
/// </summary>
public abstract class PosteriorModel : BaseModel
{
    private readonly List<Tensor> _data = [];

    /// <summary>Creates the model on <paramref name="device"/>.</summary>
    protected PosteriorModel(Device device) : base(device) { }

    /// <summary>The number of unconstrained parameters.</summary>
    public abstract int Dimension { get; }

    /// <inheritdoc />
    public override int? Dim => Dimension;

    /// <summary>The names of the quantities <see cref="Constrain"/> returns, as in posteriordb's reference draws (e.g. "beta[1]", "sigma").</summary>
    public abstract IReadOnlyList<string> Quantities { get; }

    /// <summary>The quantities at the unconstrained point <paramref name="u"/> (float64, in <see cref="Quantities"/>' order).</summary>
    public abstract double[] Constrain(ReadOnlySpan<double> u);

    /// <summary>A data vector as a constant row (N) of the graph, owned and freed by the model.</summary>
    protected Var Row(IEnumerable<double> values)
    {
        float[] v = [.. values.Select(x => (float)x)];
        Tensor t = Device.FromArray(v, v.Length);
        _data.Add(t);
        return Var.Constant(t);
    }

    /// <summary>A data matrix (rows, columns) as a constant of the graph, owned and freed by the model.</summary>
    protected Var Matrix(double[,] values)
    {
        var v = new float[values.GetLength(0), values.GetLength(1)];
        for (int i = 0; i < v.GetLength(0); i++)
        for (int j = 0; j < v.GetLength(1); j++) v[i, j] = (float)values[i, j];
        Tensor t = Device.FromArray(v);
        _data.Add(t);
        return Var.Constant(t);
    }

    /// <summary>Coordinate <paramref name="j"/> of u (n, d) as a column (n, 1), which broadcasts against data rows (N).</summary>
    protected static Var Coordinate(Var u, int j) => u.Columns(j, 1);

    /// <summary>log inverse-logit(u) = -softplus(-u), for the (0, 1) transform and its Jacobian.</summary>
    protected static Var LogInvLogit(Var u) => -(-u).Softplus();

    /// <summary>
    /// The linear recurrence s_t = r_t + a s_(t-1) (s_0 = 0) along the columns of <paramref name="r"/> (n, T) for a
    /// per-row coefficient <paramref name="a"/> (n, 1): s_t = sum_(k &lt;= t) a^k r_(t-k), computed in ceil(log2 T) doubling
    /// steps (Hillis-Steele scan: each adds a^(2^j) times the partial sums 2^j columns back), so a recursion over time
    /// (ARMA errors, GARCH variances) costs a few dozen tape ops instead of T.
    /// </summary>
    protected static Var LinearRecurrence(Var r, Var a)
    {
        int n = r.Shape[0], t = r.Shape[1];
        Var s = r, power = a;
        for (int shift = 1; shift < t; shift *= 2)
        {
            Var shifted = Var.Concat([Var.Intermediate(r.Device.Zeros(n, shift)), s.Columns(0, t - shift)], dim: 1);
            s = s + power * shifted;
            if (2 * shift < t) power = power.Square();
        }
        return s;
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        foreach (Tensor t in _data) t.Dispose();
        _data.Clear();
        base.Dispose();
    }
}

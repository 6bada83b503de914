using TorchEbm.Elementwise;

namespace TorchEbm.Integrators;

/// <summary>
/// One explicit Runge-Kutta step from a <see cref="ButcherTableau"/> over a batch, the stages combined with device
/// element-wise kernels: the one implementation behind <see cref="Heun"/>, <see cref="Midpoint"/>, <see cref="RungeKutta4"/>
/// and <see cref="DormandPrince5"/>.
/// </summary>
internal static class RungeKutta
{
    /// <summary>
    /// Writes x + h sum B[i] k_i into <paramref name="next"/> and, when <paramref name="error"/> is given, h sum E[i] k_i
    /// into it. <paramref name="first"/>, when given, is k_1 = f(x, t) already evaluated (kept by the caller). Returns the
    /// last stage's derivative (the caller owns it; FSAL pairs reuse it), or null when <paramref name="keepLast"/> is false.
    /// </summary>
    public static Tensor? Step(ButcherTableau tableau, Tensor x, VectorField drift, float t, float h, Tensor next,
        Tensor? error = null, Tensor? first = null, bool keepLast = false)
    {
        int s = tableau.Stages;
        var k = new Tensor?[s];
        try
        {
            k[0] = first ?? Evaluate(drift, x, t);
            for (int i = 1; i < s; i++)
            {
                Combine(x, k, tableau.A[i], h, next); // next doubles as the stage's point until the final combination
                k[i] = Evaluate(drift, next, t + tableau.C[i] * h);
            }
            Combine(x, k, tableau.B, h, next);
            if (error is not null) Combine(null, k, tableau.E!, h, error);
            Tensor? last = keepLast ? k[s - 1] : null;
            if (keepLast) k[s - 1] = null;
            return last;
        }
        finally
        {
            for (int i = 0; i < s; i++)
                if (!(i == 0 && first is not null)) k[i]?.Dispose();
        }
    }

    /// <summary>output = (x or 0) + h sum_j weights[j] k_j over the nonzero weights.</summary>
    private static void Combine(Tensor? x, Tensor?[] k, float[] weights, float h, Tensor output)
    {
        Device device = output.Device;
        bool started = false;
        for (int j = 0; j < weights.Length; j++)
        {
            if (weights[j] == 0f) continue;
            if (started) ElementwiseOps.AddScaled(device, k[j]!.View, output.View, h * weights[j]);
            else if (x is not null) ElementwiseOps.Combine(device, x.View, k[j]!.View, output.View, h * weights[j]);
            else ElementwiseOps.Scale(device, k[j]!.View, output.View, h * weights[j]);
            started = true;
        }
        if (started) return;
        if (x is not null) ElementwiseOps.Scale(device, x.View, output.View, 1f);
        else ElementwiseOps.Scale(device, output.View, output.View, 0f);
    }

    /// <summary>f(x, t), checked to be an (n, d) tensor on x's device.</summary>
    public static Tensor Evaluate(VectorField field, Tensor x, float t) => Checked(field(x, t), x, t);

    /// <summary><paramref name="value"/>, a vector field's result at (x, t), if it is a new live tensor shaped like x on x's
    /// device; otherwise it is disposed and <see cref="InvalidOperationException"/> names what was wrong.</summary>
    public static Tensor Checked(Tensor? value, Tensor x, float t)
    {
        if (value is null) throw new InvalidOperationException($"The vector field returned null at t = {t}.");
        if (ReferenceEquals(value, x))
            throw new InvalidOperationException("The vector field returned its input tensor: it must return a new tensor.");
        if (value.IsDisposed || !ReferenceEquals(value.Device, x.Device) || value.Rank != 2 || value.Dim(0) != x.Dim(0) || value.Dim(1) != x.Dim(1))
        {
            string shape = value.IsDisposed ? "a disposed tensor" : Shapes.Format(value.Shape);
            value.Dispose();
            throw new InvalidOperationException(
                $"The vector field must return a live tensor of shape {Shapes.Format(x.Shape)} on {x.Device}, got {shape} at t = {t}.");
        }
        return value;
    }
}

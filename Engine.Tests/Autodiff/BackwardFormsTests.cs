using TorchEbm.Autodiff;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Autodiff;

/// <summary>
/// The two forms of each op family's backward driver agree: for every op of <see cref="OpGradientTests"/>, the kernel
/// step (<c>Tape.Grad</c>) and the create-graph step in Var ops (<c>Tape.Grad(..., createGraph: true)</c>), run from
/// the same tape node, give the same first derivative to every input.
/// </summary>
/// <remarks>Both are float32 evaluations of one formula, in different orders for the reductions: each is within about
/// n eps of the exact value (n &lt;= 15 terms here, eps = 6e-8), so they differ by under 2e-6 relative; the bound is 1e-5.</remarks>
public sealed class BackwardFormsTests(DeviceKind kind) : DeviceTest(kind)
{
    [TestCaseSource(typeof(OpGradientTests), nameof(OpGradientTests.Cases))]
    public void KernelAndCreateGraphSteps_GiveTheSameGradient(OpGradientTests.OpCase op)
    {
        var random = new System.Random(op.Name.Length * 104729 + op.Shapes.Length);
        Func<double, double> draw = op.Draw ?? (u => u);
        float[][] inputs = op.Shapes.Select(s => Enumerable.Range(0, s.Aggregate(1, (a, b) => a * b))
            .Select(_ => (float)draw(2 * random.NextDouble() - 1)).ToArray()).ToArray();
        Var[] vars = inputs.Select((x, i) => new Var(Device.FromArray(x, op.Shapes[i]), requiresGrad: true)).ToArray();
        try
        {
            using Var output = op.Op(vars);
            using var r = new Var(Device.Randn(output.Shape, seed: 5));
            using Var loss = (output * r).Sum();
            for (int i = 0; i < vars.Length; i++)
            {
                using Tensor kernel = Tape.Grad(loss, vars[i]);
                using Var graph = Tape.Grad(loss, vars[i], createGraph: true);
                float[] k = kernel.ToArray();
                Assert.That(FiniteDifferences.RelativeError(graph.Value.ToArray(), k.Select(a => (double)a).ToArray()), Is.LessThan(1e-5),
                    $"{op.Name}: input {i}");
            }
        }
        finally
        {
            foreach (Var v in vars) v.Dispose();
        }
    }
}

using System.Reflection;
using TorchEbm.Autodiff;
using TorchEbm.Elementwise;
using TorchEbm.Functions;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Autodiff;

/// <summary>
/// The create-graph backward step (the Var form, <c>Tape.Grad(..., createGraph: true)</c>) of every op struct equals its
/// kernel step (<c>Tape.Grad</c>) bit for bit: both compute g times the struct's own partial derivative (the arithmetic
/// ops' partials over graph nodes, a function's next derivative as a node), then sum it over the dimensions an operand
/// was broadcast along in the same order. The structs are found by reflection (every <see cref="IBinaryOp"/> reached
/// through its op code, every <see cref="IUnaryFunction"/>), not listed. Equal bits, but for the sign of a zero (the
/// kernel adds into a zeroed buffer) and NaN's payload.
/// </summary>
/// <remarks>On CUDA, ptxas may contract the kernel's g * partial + sum into one fused multiply-add while the Var form
/// rounds the product first: there each gradient is within one rounding per summed term (n eps relative to the sum of
/// the terms' magnitudes), the documented difference between a GPU and the host.</remarks>
public sealed class VarFormBackwardTests(DeviceKind kind) : DeviceTest(kind)
{
    /// <summary>Operand shapes: same shape, a row, a column, a rank-1 row, a scalar, each on either side.</summary>
    private static readonly (int[] A, int[] B)[] Shapes =
    [
        ([5, 3], [5, 3]), ([5, 3], [1, 3]), ([1, 3], [5, 3]), ([5, 3], [5, 1]), ([5, 1], [5, 3]),
        ([5, 3], [3]), ([3], [5, 3]), ([5, 3], [1]), ([1], [5, 3]), ([4], [4]),
    ];

    /// <summary>Every arithmetic op struct with the op code that reaches it through <see cref="Arithmetic.Visit{TVisitor}"/>.</summary>
    private static IEnumerable<TestCaseData> BinaryOps()
    {
        var structs = typeof(IBinaryOp).Assembly.GetTypes().Where(t => t.IsValueType && typeof(IBinaryOp).IsAssignableFrom(t)).ToList();
        foreach (int code in new[] { Arithmetic.Add, Arithmetic.Subtract, Arithmetic.Multiply, Arithmetic.Divide })
        {
            var found = new StructOf();
            Arithmetic.Visit(code, ref found);
            structs.Remove(found.Type!);
            yield return new TestCaseData(code).SetArgDisplayNames(found.Type!.Name);
        }
        if (structs.Count > 0) throw new InvalidOperationException($"No op code reaches {string.Join(", ", structs.Select(t => t.Name))}: add it to these cases.");
    }

    private struct StructOf : IBinaryVisitor
    {
        public Type? Type;

        public void Visit<TOp>() where TOp : struct, IBinaryOp => Type = typeof(TOp);
    }

    /// <summary>Every function struct (those with a parameter at 2.5: exponent, slope, alpha).</summary>
    private static IEnumerable<TestCaseData> Functions() =>
        typeof(IUnaryFunction).Assembly.GetTypes()
            .Where(t => t.IsValueType && typeof(IUnaryFunction).IsAssignableFrom(t)).OrderBy(t => t.Name)
            .Select(t => new TestCaseData(t.GetConstructor([typeof(float)]) is { } ctor
                ? (IUnaryFunction)ctor.Invoke([2.5f]) : (IUnaryFunction)Activator.CreateInstance(t)!).SetArgDisplayNames(t.Name));

    [TestCaseSource(nameof(BinaryOps))]
    public void ArithmeticOp_VarFormEqualsKernelForm(int code)
    {
        foreach ((int[] shapeA, int[] shapeB) in Shapes)
        {
            using Var a = Leaf(shapeA, seed: 1), b = Leaf(shapeB, seed: 2);
            Compare(code switch { Arithmetic.Add => a + b, Arithmetic.Subtract => a - b, Arithmetic.Multiply => a * b, _ => a / b },
                [a, b], $"{Shape(shapeA)} op {Shape(shapeB)}");
        }
    }

    [TestCaseSource(nameof(Functions))]
    public void Function_VarFormEqualsKernelForm(IUnaryFunction function)
    {
        using Var x = Leaf([4, 3], seed: 3);
        MethodInfo map = typeof(Var).GetMethod(nameof(Var.Map))!.MakeGenericMethod(function.GetType());
        Compare((Var)map.Invoke(x, [function])!, [x], function.GetType().Name);
    }

    /// <summary>
    /// <see cref="VarReal"/>'s arithmetic, node with node, node with constant and constant with node, equals the float
    /// operation element by element, bit for bit; two constants fold to the float result.
    /// </summary>
    [Test]
    public void VarReal_Arithmetic_EqualsTheFloatOperation()
    {
        using Var x = Leaf([2, 3], seed: 4), y = Leaf([2, 3], seed: 5);
        float[] xs = x.Value.ToArray(), ys = y.Value.ToArray();
        const float c = 0.3f;
        var cases = new (string Name, Func<VarReal, VarReal, VarReal> Op, Func<float, float, float> Float)[]
        {
            ("+", (a, b) => a + b, (a, b) => a + b), ("-", (a, b) => a - b, (a, b) => a - b),
            ("*", (a, b) => a * b, (a, b) => a * b), ("/", (a, b) => a / b, (a, b) => a / b),
        };
        foreach (var (name, op, exact) in cases)
        {
            Check($"x {name} y", op(x, y), j => exact(xs[j], ys[j]));
            Check($"x {name} c", op(x, VarReal.From(c)), j => exact(xs[j], c));
            Check($"c {name} x", op(VarReal.From(c), x), j => exact(c, xs[j]));
            Assert.Throws<InvalidOperationException>(() => _ = op(VarReal.From(c), VarReal.From(2f)).Node, $"c {name} c has no node");
        }
        Check("-x", -(VarReal)x, j => -xs[j]);
        Assert.That(((VarReal)x * VarReal.From(1f)).Node, Is.SameAs(x), "x * 1 is x itself");

        void Check(string what, VarReal result, Func<int, float> expected)
        {
            using Var node = result.Node;
            float[] values = node.Value.ToArray();
            Assert.That(values.Length, Is.EqualTo(xs.Length), what);
            for (int j = 0; j < values.Length; j++)
                Assert.That(BitConverter.SingleToInt32Bits(values[j]), Is.EqualTo(BitConverter.SingleToInt32Bits(expected(j))), $"{what}, element {j}");
        }
    }

    /// <summary>A leaf of values in (0.5, 2) with a random sign: away from the kinks at 0 and from dividing by zero.</summary>
    private Var Leaf(int[] shape, int seed)
    {
        var random = new System.Random(seed);
        float[] values = [.. Enumerable.Range(0, shape.Aggregate(1, (p, s) => p * s)).Select(_ => (float)((random.Next(2) * 2 - 1) * (0.5 + 1.5 * random.NextDouble())))];
        return new Var(Device.FromArray(values, shape), requiresGrad: true);
    }

    /// <summary>d sum(output * r) / d input for each input, by the kernel step and the Var form.</summary>
    private void Compare(Var output, Var[] inputs, string what)
    {
        using (output)
        {
            using var r = new Var(Device.Randn(output.Shape, seed: 5));
            using Var loss = (output * r).Sum();
            for (int i = 0; i < inputs.Length; i++)
            {
                using Tensor kernel = Tape.Grad(loss, inputs[i]);
                using Var graph = Tape.Grad(loss, inputs[i], createGraph: true);
                float[] k = kernel.ToArray(), v = graph.Value.ToArray();
                Assert.That(v.Length, Is.EqualTo(k.Length), $"{what}: input {i}");
                // Each term |r partial| < 4 * 8 (|r| < 4, partials at most 8 on these inputs); a contraction moves each of
                // the n additions by one rounding (2^-24) of a running sum under n * 32.
                int terms = (int)(output.Value.Length / k.Length);
                float bound = Device.Kind == DeviceKind.Cpu ? 0f : terms * terms * 32 * 6e-8f;
                for (int j = 0; j < k.Length; j++)
                {
                    // The kernel adds into a zeroed buffer (0 + -0 is +0), so a zero's sign may differ; NaN is NaN.
                    if (bound == 0f && !(float.IsNaN(k[j]) && float.IsNaN(v[j])) && !(k[j] == 0f && v[j] == 0f))
                        Assert.That(BitConverter.SingleToInt32Bits(v[j]), Is.EqualTo(BitConverter.SingleToInt32Bits(k[j])), $"{what}: input {i}, element {j}: {v[j]:R} vs {k[j]:R}");
                    else if (bound > 0f)
                        Assert.That(v[j], Is.EqualTo(k[j]).Within(bound), $"{what}: input {i}, element {j}");
                }
            }
        }
    }

    private static string Shape(int[] shape) => $"({string.Join(", ", shape)})";
}

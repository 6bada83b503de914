using System.Text.Json;
using TorchEbm.Autodiff;
using TorchEbm.Checkpoints;
using TorchEbm.Tests.Autodiff;

namespace TorchEbm.Tests.Support;

/// <summary>The PyTorch fixtures of tools/make_tape_fixtures.py (Engine.Tests/Fixtures): files, values, and their MLP.</summary>
public static class TorchFixtures
{
    /// <summary>The path of a fixture file.</summary>
    public static string Path(string name) => System.IO.Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", name);

    /// <summary>A JSON number or nested array of numbers, flattened in row-major order.</summary>
    public static double[] Flat(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().SelectMany(Flat).ToArray() : [e.GetDouble()];

    /// <summary>The fixtures' torch MLP, Sequential(Linear(2,16), SiLU, Linear(16,16), SiLU, Linear(16,1)), from its safetensors file.</summary>
    public static MLP Mlp(Device device, string file)
    {
        var mlp = new MLP(device, 2, [16, 16], 1, Activation.SiLU);
        Checkpoint.Load(Path(file), mlp);
        return mlp;
    }

    /// <summary>
    /// Each parameter's accumulated gradient against PyTorch's (by state_dict name) within a norm-wise relative
    /// <paramref name="tolerance"/>; where PyTorch gives zeros (the loss does not depend on it) the tape sends none.
    /// </summary>
    public static void AssertParameterGradients(Module network, JsonElement expected, double tolerance)
    {
        foreach ((string name, Var parameter) in network.NamedParameters())
        {
            double[] reference = Flat(expected.GetProperty(name));
            float[] actual = parameter.Grad?.ToArray() ?? new float[reference.Length];
            if (reference.All(r => r == 0))
                Assert.That(actual, Is.All.EqualTo(0f), $"d/d{name}: PyTorch gives zeros");
            else
                Assert.That(FiniteDifferences.RelativeError(actual, reference), Is.LessThan(tolerance), $"d/d{name}");
        }
    }
}

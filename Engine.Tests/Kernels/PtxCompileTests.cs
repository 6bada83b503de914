using System.Text.RegularExpressions;
using TorchEbm.Launch;

namespace TorchEbm.Tests.Kernels;

/// <summary>Every registered kernel compiles to PTX for sm_90 without a GPU, in float32 only.</summary>
public sealed partial class PtxCompileTests
{
    private PtxCompiler? _compiler;

    [OneTimeSetUp]
    public void CreateCompiler() => _compiler = new PtxCompiler();

    [OneTimeTearDown]
    public void DisposeCompiler() => _compiler?.Dispose();

    private static IEnumerable<TestCaseData> Kernels() =>
        KernelRegistry.All.Select(k => new TestCaseData(k).SetArgDisplayNames(k.Name));

    [TestCaseSource(nameof(Kernels))]
    public void CompilesToPtx_ForSm90_WithoutDoublePrecision(KernelEntry kernel)
    {
        string ptx = _compiler!.Compile(kernel);
        Assert.That(ptx, Does.Contain(".entry"));
        Assert.That(ptx, Does.Contain(".target sm_"));
        string[] doubles = DoubleInstruction().Matches(ptx).Select(m => m.Value).Distinct().ToArray();
        Assert.That(doubles, Is.Empty, $"{kernel.Name} uses float64 instructions (hot kernels are float32 only)");
    }

    [Test]
    public void Registry_IsNotEmpty() => Assert.That(KernelRegistry.All, Is.Not.Empty);

    [GeneratedRegex(@"\b[a-z]+(\.[a-z]+)*\.f64\b")]
    private static partial Regex DoubleInstruction();
}

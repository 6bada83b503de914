using TorchEbm;

namespace TorchEbm.Tests.Support;

/// <summary>
/// Base for tests that run on a device: every fixture runs on the CPU accelerator, and again on CUDA
/// (category "Gpu") where a GPU is present; without one the CUDA fixture is skipped, never failed.
/// </summary>
[TestFixture(DeviceKind.Cpu)]
[TestFixture(DeviceKind.Cuda, Category = "Gpu")]
public abstract class DeviceTest
{
    private readonly DeviceKind _kind;
    private Device? _device;

    protected DeviceTest(DeviceKind kind) => _kind = kind;

    /// <summary>The device for this fixture, created once.</summary>
    protected Device Device => _device ?? throw new InvalidOperationException("OneTimeSetUp did not run.");

    [OneTimeSetUp]
    public void CreateDevice()
    {
        if (_kind == DeviceKind.Cuda && !Device.List().Any(d => d.Kind == DeviceKind.Cuda))
            Assert.Ignore("No CUDA device on this machine: GPU fixture skipped.");
        _device = Device.Create(_kind);
    }

    [OneTimeTearDown]
    public void DisposeDevice() => _device?.Dispose();
}

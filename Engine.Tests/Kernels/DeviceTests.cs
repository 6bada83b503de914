using TorchEbm.Fill;
using TorchEbm.Launch;

namespace TorchEbm.Tests.Kernels;

[NonParallelizable] // changes process environment variables
public sealed class DeviceTests
{
    [Test]
    public void CreateCpu_ReportsKindNameAndAccelerator()
    {
        using Device device = Device.Create(DeviceKind.Cpu);
        Assert.That(device.Kind, Is.EqualTo(DeviceKind.Cpu));
        Assert.That(device.Name, Does.Contain("CPU"));
        Assert.That(device.ToString(), Does.StartWith("Cpu device #"));
        Assert.That(device.Accelerator.AcceleratorType, Is.EqualTo(ILGPU.Runtime.AcceleratorType.CPU));
        Assert.DoesNotThrow(device.Synchronize);
    }

    [Test]
    public void CreateCuda_WithoutGpu_ThrowsClearException_ElseCreatesGpu()
    {
        bool hasGpu = Device.List().Any(d => d.Kind == DeviceKind.Cuda);
        if (hasGpu)
        {
            using Device gpu = Device.Create(DeviceKind.Cuda);
            Assert.That(gpu.Kind, Is.EqualTo(DeviceKind.Cuda));
            return;
        }
        var e = Assert.Throws<DeviceUnavailableException>(() => Device.Create(DeviceKind.Cuda))!;
        Assert.That(e.Message, Does.Contain("No CUDA device").And.Contain("DeviceKind.Cpu").And.Contain("TORCHEBM_DEVICE=cpu"));
    }

    [Test]
    public void Auto_PicksGpuIfPresentElseCpu()
    {
        WithEnvironment(Device.EnvironmentVariable, null, () =>
        {
            using Device device = Device.Create();
            bool hasGpu = Device.List().Any(d => d.Kind == DeviceKind.Cuda);
            Assert.That(device.Kind, Is.EqualTo(hasGpu ? DeviceKind.Cuda : DeviceKind.Cpu));
        });
    }

    [Test]
    public void EnvironmentVariable_OverridesAuto_ButNotAnExplicitKind()
    {
        WithEnvironment(Device.EnvironmentVariable, "cpu", () =>
        {
            using Device auto = Device.Create();
            Assert.That(auto.Kind, Is.EqualTo(DeviceKind.Cpu));
        });
        WithEnvironment(Device.EnvironmentVariable, "tpu", () =>
        {
            var e = Assert.Throws<ArgumentException>(() => Device.Create())!;
            Assert.That(e.ParamName, Is.EqualTo(Device.EnvironmentVariable));
            Assert.That(e.Message, Does.Contain("'tpu'"));
            using Device explicitCpu = Device.Create(DeviceKind.Cpu); // explicit kinds ignore the variable
            Assert.That(explicitCpu.Kind, Is.EqualTo(DeviceKind.Cpu));
        });
    }

    [Test]
    public void CpuLayoutVariable_SetsTheSimulatedGrid_AndRejectsGarbage()
    {
        WithEnvironment(CpuLayout.EnvironmentVariable, "2,2,3", () =>
        {
            using Device device = Device.Create(DeviceKind.Cpu);
            Assert.That(device.Accelerator.NumMultiprocessors, Is.EqualTo(3));
            Assert.That(device.Accelerator.MaxNumThreadsPerGroup, Is.EqualTo(4));
            using Tensor t = device.Full(1f, 1000);
            Assert.That(t.ToArray(), Is.All.EqualTo(1f));
        });
        WithEnvironment(CpuLayout.EnvironmentVariable, "4,x,2", () =>
        {
            var e = Assert.Throws<ArgumentException>(() => Device.Create(DeviceKind.Cpu))!;
            Assert.That(e.Message, Does.Contain(CpuLayout.EnvironmentVariable).And.Contain("'4,x,2'"));
        });
    }

    [TestCase("2,1,2147483647")]
    [TestCase("65,1,1")]
    [TestCase("2147483647,1,1")]
    [TestCase("2,1073741824,2")]
    [TestCase("64,32,1")]
    [TestCase("2,1,1025")]
    public void CpuLayoutVariable_OutOfBounds_GetsOurMessage(string layout)
    {
        WithEnvironment(CpuLayout.EnvironmentVariable, layout, () =>
        {
            var e = Assert.Throws<ArgumentException>(() => Device.Create(DeviceKind.Cpu))!;
            Assert.That(e.Message, Does.Contain(CpuLayout.EnvironmentVariable).And.Contain($"'{layout}'").And.Contain("[1, 1024]"));
        });
    }

    [Test]
    public void List_WithAMalformedLayoutVariable_ThrowsArgumentException() =>
        WithEnvironment(CpuLayout.EnvironmentVariable, "2,3,1", () =>
            Assert.That(Assert.Throws<ArgumentException>(() => Device.List())!.ParamName, Is.EqualTo(CpuLayout.EnvironmentVariable)));

    [Test]
    public void TwoDevices_AreToldApartInMessages()
    {
        using Device first = Device.Create(DeviceKind.Cpu);
        using Device second = Device.Create(DeviceKind.Cpu);
        using var model = new TorchEbm.Models.HarmonicModel(first);
        using Tensor x = second.Zeros(2, 2);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(x).Dispose())!;
        Assert.That(first.ToString(), Is.Not.EqualTo(second.ToString()));
        Assert.That(e.Message, Does.Contain(first.ToString()).And.Contain(second.ToString()));
    }

    [Test]
    public void Kernels_AreCompiledOncePerDevice()
    {
        using Device device = Device.Create(DeviceKind.Cpu);
        using Tensor a = device.Randn(10, 2, seed: 1);
        int afterFirst = device.CachedKernelCount;
        using Tensor b = device.Randn(50, 3, seed: 2);
        using Tensor c = device.Rand(3, 3, seed: 3); // a second kernel (Full fills on the host on the CPU)
        Assert.That(afterFirst, Is.EqualTo(1));
        Assert.That(device.CachedKernelCount, Is.EqualTo(2));
    }

    [Test]
    public void DisposedDevice_RejectsWork_AndItsTensorsReportDisposed()
    {
        Device device = Device.Create(DeviceKind.Cpu);
        Tensor t = device.Zeros(4);
        device.Dispose();
        Assert.That(device.IsDisposed);
        Assert.That(t.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => device.Zeros(2));
        Assert.Throws<ObjectDisposedException>(() => t.ToArray());
        Assert.Throws<ObjectDisposedException>(device.Synchronize);
        Assert.DoesNotThrow(t.Dispose);
        Assert.DoesNotThrow(device.Dispose);
    }

    [Test]
    public void GridStride_OnCpu_UsesOneGroupPerMultiprocessor_AndNoMoreThanNeeded()
    {
        using Device device = Device.Create(DeviceKind.Cpu);
        var acc = device.Accelerator;
        var big = GridStride.For(acc, 1_000_000);
        Assert.That(big.GridDim.X, Is.EqualTo(acc.NumMultiprocessors));
        Assert.That(big.GroupDim.X, Is.EqualTo(acc.MaxNumThreadsPerGroup));
        Assert.That(GridStride.For(acc, 1).GridDim.X, Is.EqualTo(1));
        Assert.That(GridStride.For(acc, 0).GridDim.X, Is.EqualTo(1));
    }

    [Test]
    public void GridStrideForGroups_CapsTheGroupSize_AndUsesNoMoreGroupsThanTheWork()
    {
        // 256 threads per simulated group: the cap (128, what the cooperative kernel's shared tiles are sized for) applies.
        using Device wide = Device.CreateCpu(new CpuLayout(4, 64, 3));
        var acc = wide.Accelerator;
        Assert.That(GridStride.ForGroups(acc, 1000, 128).GroupDim.X, Is.EqualTo(128));
        Assert.That(GridStride.ForGroups(acc, 1000, 128).GridDim.X, Is.EqualTo(3), "one group per multiprocessor");
        Assert.That(GridStride.ForGroups(acc, 2, 128).GridDim.X, Is.EqualTo(2));
        Assert.That(GridStride.ForGroups(acc, 0, 128).GridDim.X, Is.EqualTo(1));
        // A group smaller than the cap takes the accelerator's size.
        using Device narrow = Device.CreateCpu(new CpuLayout(2, 1, 1));
        Assert.That(GridStride.ForGroups(narrow.Accelerator, 5, 128).GroupDim.X, Is.EqualTo(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => GridStride.ForGroups(acc, -1, 128));
        Assert.Throws<ArgumentOutOfRangeException>(() => GridStride.ForGroups(acc, 1, 0));
    }

    [Test]
    public void List_IncludesTheCpuAccelerator()
    {
        IReadOnlyList<DeviceInfo> devices = Device.List();
        Assert.That(devices.Select(d => d.Kind), Does.Contain(DeviceKind.Cpu));
        Assert.That(devices.All(d => d.Multiprocessors > 0 && d.ToString().Contains(d.Name)));
    }

    [Test]
    public void FillKernels_AreRegistered()
    {
        Assert.That(KernelRegistry.All.Select(k => k.Name),
            Is.SupersetOf(new[] { "FillKernels.Constant", "FillKernels.Normal", "FillKernels.Uniform" }));
        Assert.That(KernelRegistry.All.Single(k => k.Name == "FillKernels.Normal").Hot);
        _ = FillKernels.BlocksFor(1);
    }

    private static void WithEnvironment(string name, string? value, Action body)
    {
        string? saved = Environment.GetEnvironmentVariable(name);
        Environment.SetEnvironmentVariable(name, value);
        try { body(); }
        finally { Environment.SetEnvironmentVariable(name, saved); }
    }
}

namespace TorchEbm;

/// <summary>Which accelerator a <see cref="Device"/> runs its kernels on.</summary>
public enum DeviceKind
{
    /// <summary>A CUDA GPU if one is present, else the CPU accelerator. <c>TORCHEBM_DEVICE=cpu|cuda</c> overrides it.</summary>
    Auto = 0,

    /// <summary>ILGPU's CPU accelerator: the same kernels, run on host threads.</summary>
    Cpu = 1,

    /// <summary>The first CUDA GPU (kernels compiled to PTX).</summary>
    Cuda = 2,
}

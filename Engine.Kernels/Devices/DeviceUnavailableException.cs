namespace TorchEbm;

/// <summary>Thrown when a requested accelerator (for example a CUDA GPU) is not present on this machine.</summary>
public sealed class DeviceUnavailableException : InvalidOperationException
{
    /// <summary>Creates the exception with a message that says what was missing and how to fall back.</summary>
    public DeviceUnavailableException(string message) : base(message) { }

    /// <summary>Creates the exception with the underlying cause.</summary>
    public DeviceUnavailableException(string message, Exception inner) : base(message, inner) { }
}

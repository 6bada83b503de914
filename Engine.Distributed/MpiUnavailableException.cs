namespace TorchEbm.Distributed;

/// <summary>Thrown when a process is to run under MPI but no MPI library with the MPICH ABI can be loaded.</summary>
public sealed class MpiUnavailableException : InvalidOperationException
{
    /// <summary>Creates the exception with a message naming what was tried and the package to install.</summary>
    public MpiUnavailableException(string message) : base(message) { }
}

namespace TorchEbm.Cli.Errors;

/// <summary>A user error found by the command line itself (a path, a size, a checkpoint's metadata): exit code 2.</summary>
public sealed class UsageException(string message, Exception? inner = null) : Exception(message, inner);

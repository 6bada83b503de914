using System.Reflection;
using System.Runtime.InteropServices;

namespace TorchEbm.Distributed;

/// <summary>
/// The one place that finds the native MPI library. MPI.NET imports <c>msmpi.dll</c> (MS-MPI); MPICH, Intel MPI and
/// MVAPICH share MS-MPI's ABI, so on Linux the imports are resolved to <c>libmpich.so.12</c> (or another library of that
/// ABI). Open MPI has another ABI and is not supported.
/// </summary>
internal static class MpiLibrary
{
    /// <summary>The Debian/Ubuntu package that provides <c>libmpich.so.12</c> and <c>mpiexec</c>.</summary>
    public const string DebianPackage = "mpich";

    /// <summary>Names a library to load instead of the defaults (a path or a file name), e.g. Intel MPI's <c>libmpi.so.12</c>.</summary>
    public const string EnvironmentVariable = "TORCHEBM_MPI_LIBRARY";

    private static readonly Lock Gate = new();
    private static IntPtr _handle;

    /// <summary>The libraries tried in order: the variable's, else MPICH's soname, Intel MPI's, and MS-MPI on Windows.</summary>
    public static string[] Candidates()
    {
        string? chosen = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(chosen)) return [chosen.Trim()];
        if (OperatingSystem.IsWindows()) return ["msmpi.dll"];
        if (OperatingSystem.IsMacOS()) return ["libmpich.12.dylib", "libmpi.12.dylib"];
        return ["libmpich.so.12", "libmpi.so.12"];
    }

    /// <summary>Loads the MPI library once and routes MPI.NET's imports to it.</summary>
    /// <exception cref="MpiUnavailableException">None of <see cref="Candidates"/> loads.</exception>
    public static void Load()
    {
        lock (Gate)
        {
            if (_handle != IntPtr.Zero) return;
            _handle = Find(Candidates());
            NativeLibrary.SetDllImportResolver(typeof(MPI.Environment).Assembly, Resolve);
        }
    }

    /// <summary>The first of <paramref name="candidates"/> that loads.</summary>
    /// <exception cref="MpiUnavailableException">None loads.</exception>
    internal static IntPtr Find(IReadOnlyList<string> candidates)
    {
        foreach (string name in candidates)
            if (NativeLibrary.TryLoad(name, out IntPtr handle)) return handle;
        throw new MpiUnavailableException(
            $"No MPI library found (tried {string.Join(", ", candidates)}). Install MPICH, e.g. `apt-get install {DebianPackage}` on Debian " +
            $"or Ubuntu (it provides libmpich.so.12 and mpiexec), or set {EnvironmentVariable} to a library with the MPICH ABI. " +
            "Single-process runs need no MPI.");
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path) =>
        name.StartsWith("msmpi", StringComparison.OrdinalIgnoreCase) ? _handle : IntPtr.Zero;
}

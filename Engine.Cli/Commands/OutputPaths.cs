using TorchEbm.Cli.Errors;

namespace TorchEbm.Cli.Commands;

/// <summary>Checks, before any work, that the outputs can be written, so a long run is not lost at its end.</summary>
internal static class OutputPaths
{
    /// <summary>Creates <paramref name="directory"/> and writes and deletes a probe file in it.</summary>
    public static void EnsureWritableDirectory(DirectoryInfo directory, string option)
    {
        try
        {
            directory.Create();
            string probe = Path.Combine(directory.FullName, $".torchebm-probe-{Guid.NewGuid():N}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UsageException($"{option} {directory.FullName} is not a writable directory ({e.Message})", e);
        }
    }

    /// <summary>Checks that <paramref name="file"/> is not a directory and its directory exists and is writable.</summary>
    public static void EnsureWritableFile(FileInfo file, string option)
    {
        if (Directory.Exists(file.FullName))
            throw new UsageException($"{option} {file.FullName} is a directory; give a file name.");
        DirectoryInfo? parent = file.Directory;
        if (parent is null || !parent.Exists)
            throw new UsageException($"{option} {file.FullName}: {parent?.FullName} is not an existing directory.");
        EnsureWritableDirectory(parent, option);
    }
}

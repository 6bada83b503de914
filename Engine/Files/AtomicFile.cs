namespace TorchEbm.Files;

/// <summary>
/// Writes a file all at once or not at all: the bytes go to a temporary file beside the target
/// (<c>.name.PID.GUID.tmp</c>, PID the writing process), are flushed to disk and renamed over the target. A failure
/// leaves the previous file as it was and no temporary behind; temporaries of the same target whose process has ended
/// (a write interrupted by a crash or kill) are removed afterwards. Those of a running process are left alone: they may
/// be another writer's, in flight (two threads or processes saving one path each finish, the last rename wins).
/// </summary>
internal static class AtomicFile
{
    private const string TemporarySuffix = ".tmp";

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or a directory.</exception>
    /// <exception cref="IOException">The file could not be written.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new ArgumentException($"{path} is a directory, not a file.", nameof(path));
        string directory = Path.GetDirectoryName(full)!, fileName = Path.GetFileName(full);
        string temporary = Path.Combine(directory, $".{fileName}.{Environment.ProcessId}.{Guid.NewGuid():N}{TemporarySuffix}");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
        RemoveStaleTemporaries(directory, fileName);
    }

    /// <summary>Deletes <c>.name.PID.GUID.tmp</c> files of the same target whose writing process has ended (best effort).</summary>
    private static void RemoveStaleTemporaries(string directory, string fileName)
    {
        string prefix = $".{fileName}.";
        foreach (string candidate in Directory.EnumerateFiles(directory, $"{prefix}*{TemporarySuffix}"))
        {
            string name = Path.GetFileName(candidate);
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(TemporarySuffix, StringComparison.Ordinal)) continue;
            string[] parts = name[prefix.Length..^TemporarySuffix.Length].Split('.');
            if (parts.Length != 2 || !int.TryParse(parts[0], out int writer) || !Guid.TryParseExact(parts[1], "N", out _)
                || IsRunning(writer))
                continue;
            try
            {
                File.Delete(candidate);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Locked or not ours to delete: the file itself was written, so this is not an error.
            }
        }
    }

    /// <summary>Whether a process with this id runs on this machine (this process included).</summary>
    private static bool IsRunning(int processId)
    {
        if (processId == Environment.ProcessId) return true;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false; // no such process
        }
    }
}

namespace TorchEbm.Files;

/// <summary>
/// Writes a file all at once or not at all: the bytes go to a temporary file beside the target
/// (<c>.name.GUID.tmp</c>), are flushed to disk and renamed over the target. A failure leaves the previous file as it
/// was and no temporary behind; temporaries an interrupted write of the same target left are removed afterwards.
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
        string temporary = Path.Combine(directory, $".{fileName}.{Guid.NewGuid():N}{TemporarySuffix}");
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

    /// <summary>Deletes <c>.name.GUID.tmp</c> files an interrupted write of the same target left behind (best effort).</summary>
    private static void RemoveStaleTemporaries(string directory, string fileName)
    {
        string prefix = $".{fileName}.";
        foreach (string candidate in Directory.EnumerateFiles(directory, $"{prefix}*{TemporarySuffix}"))
        {
            string name = Path.GetFileName(candidate);
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || name.Length != prefix.Length + 32 + TemporarySuffix.Length
                || !Guid.TryParseExact(name.AsSpan(prefix.Length, 32), "N", out _))
                continue;
            try
            {
                File.Delete(candidate);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Someone else's or locked: the file itself was written, so this is not an error.
            }
        }
    }
}

using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using TorchEbm.Files;

namespace TorchEbm.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of UTF-8
/// JSON mapping each name to {"dtype", "shape", "data_offsets": [begin, end]} (plus an optional "__metadata__" map of
/// strings), then the raw little-endian data. Only F32 tensors, the dtype this engine computes in.
/// </summary>
/// <remarks>
/// Writes are atomic: the file is written beside the target under a temporary name (<c>.name.PID.GUID.tmp</c>),
/// flushed to disk and renamed over the target, so a crash mid-write leaves the old file (or none), never a half-written
/// one; temporary files that an interrupted save of the same target left behind (their process gone) are removed by the
/// next successful save, while those of saves still running are not. Only regular files are read.
/// Reads validate the header (UTF-8, JSON, no duplicate keys), every dtype, shape and offset, and reject truncated or
/// corrupted files with <see cref="InvalidDataException"/>.
/// </remarks>
public static class SafeTensorsFile
{
    private const string MetadataKey = "__metadata__";
    private const long MaxHeaderBytes = 100L << 20; // the reference implementation's limit

    /// <summary>Writes <paramref name="tensors"/> (unique names) and optional string metadata to <paramref name="path"/>, atomically.</summary>
    /// <exception cref="ArgumentException">
    /// <paramref name="path"/> is empty or a directory; duplicate or empty names, a null shape or data, a shape that does
    /// not match the data length; or a null metadata value.
    /// </exception>
    /// <exception cref="IOException">The file could not be written (the previous file, if any, is left as it was).</exception>
    public static void Save(string path, IEnumerable<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Save(path, tensors, metadata, afterBytes: null);

    /// <summary>As <see cref="Save(string, IEnumerable{SafeTensor}, IReadOnlyDictionary{string, string})"/>; <paramref name="afterBytes"/> is told the bytes written so far (tests inject failures there).</summary>
    internal static void Save(string path, IEnumerable<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata, Action<long>? afterBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new ArgumentException($"{path} is a directory, not a safetensors file.", nameof(path));
        SafeTensor[] list = [.. tensors];
        byte[] header = Header(list, metadata);

        AtomicFile.Write(full, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            long written = 8 + header.Length;
            afterBytes?.Invoke(written);
            byte[] buffer = [];
            foreach (SafeTensor t in list)
            {
                if (buffer.Length < t.Data.Length * 4) buffer = new byte[t.Data.Length * 4];
                for (int i = 0; i < t.Data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(4 * i), t.Data[i]);
                stream.Write(buffer, 0, t.Data.Length * 4);
                written += t.Data.Length * 4L;
                afterBytes?.Invoke(written);
            }
        });
    }

    /// <summary>Reads every tensor and the metadata of a safetensors file.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or a directory.</exception>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">
    /// The path is not a regular file (a named pipe, a device: they report 0 bytes) or the file is larger than an array
    /// holds; or the file is truncated or corrupted: a header that is not UTF-8 JSON, a duplicate key, a dtype other than F32, a
    /// malformed or oversized shape, offsets that do not tile the data.
    /// </exception>
    public static (IReadOnlyList<SafeTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path)) throw new ArgumentException($"{path} is a directory, not a safetensors file.", nameof(path));
        byte[] bytes = ReadRegularFile(path);
        string name = Path.GetFileName(path);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderBytes || (long)headerLength > bytes.Length - 8)
            throw Invalid(name, $"its header claims {headerLength} bytes but the file has {bytes.Length - 8} after the length");

        ReadOnlyMemory<byte> json = bytes.AsMemory(8, (int)headerLength);
        if (!Utf8.IsValid(json.Span))
        {
            Utf8.ToUtf16(json.Span, new char[json.Length], out int valid, out _, replaceInvalidSequences: false);
            throw Invalid(name, $"its header is not valid UTF-8 (at byte {8 + valid} of the file)");
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw Invalid(name, $"its header is not valid JSON ({e.Message})");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw Invalid(name, "its header is not a JSON object");
            long dataStart = 8 + (long)headerLength, dataLength = bytes.Length - dataStart;
            var metadata = new Dictionary<string, string>();
            var entries = new List<(SafeTensor Tensor, long Begin, long End)>();
            try
            {
                foreach ((string key, JsonElement value) in Properties(name, document.RootElement, "the header"))
                {
                    if (key != MetadataKey)
                    {
                        entries.Add(ReadEntry(name, key, value, bytes, dataStart, dataLength));
                        continue;
                    }
                    if (value.ValueKind != JsonValueKind.Object) throw Invalid(name, "__metadata__ is not an object");
                    foreach ((string k, JsonElement v) in Properties(name, value, "__metadata__"))
                        metadata[k] = v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Invalid(name, $"metadata '{k}' is not a string");
                }
            }
            catch (InvalidOperationException e) // a string escape that decodes to invalid UTF-16, e.g. a lone surrogate
            {
                throw Invalid(name, $"its header holds a string that is not valid text ({e.Message})");
            }

            // The data must be covered exactly: contiguous, non-overlapping, no trailing bytes (as the reference reader requires).
            long expected = 0;
            foreach (var (tensor, begin, end) in entries.OrderBy(e => e.Begin))
            {
                if (begin != expected) throw Invalid(name, $"tensor '{tensor.Name}' starts at byte {begin} of the data, expected {expected} (gap or overlap)");
                expected = end;
            }
            if (expected != dataLength) throw Invalid(name, $"the tensors cover {expected} bytes of data but the file holds {dataLength}");
            return (entries.Select(e => e.Tensor).ToArray(), metadata);
        }
    }

    /// <summary>
    /// The bytes of <paramref name="path"/>, read only when its size, checked first, is that of a checkpoint: a named
    /// pipe or a device reports size 0 (reading a pipe would block until a writer came, /dev/zero would never end), and
    /// nothing beyond the largest array is read. Without opening a file .NET cannot tell its type, so size 0 stands
    /// for "not a regular file".
    /// </summary>
    private static byte[] ReadRegularFile(string path)
    {
        string name = Path.GetFileName(path);
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"No file at {path}.", path);
        long size = info.Length;
        if (size == 0) throw Invalid(name, "it is empty or not a regular file (a named pipe or a device reports 0 bytes); only regular files are read");
        if (size < 8) throw Invalid(name, $"it has {size} bytes, fewer than the 8-byte header length");
        if (size > Array.MaxLength) throw Invalid(name, $"it has {size} bytes, more than the {Array.MaxLength} a checkpoint may hold");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        var bytes = new byte[size];
        int read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        if (read != size || stream.ReadByte() >= 0) throw Invalid(name, $"it changed size while it was read (it had {size} bytes)");
        return bytes;
    }

    /// <summary>The properties of a JSON object, rejecting a key that occurs twice (JSON leaves that undefined).</summary>
    private static List<(string Key, JsonElement Value)> Properties(string file, JsonElement obj, string where)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<(string, JsonElement)>();
        foreach (JsonProperty property in obj.EnumerateObject())
        {
            if (!seen.Add(property.Name)) throw Invalid(file, $"{where} has the key '{property.Name}' twice");
            result.Add((property.Name, property.Value));
        }
        return result;
    }

    private static (SafeTensor, long, long) ReadEntry(string file, string key, JsonElement entry, byte[] bytes, long dataStart, long dataLength)
    {
        if (entry.ValueKind != JsonValueKind.Object) throw Invalid(file, $"entry '{key}' is not an object");
        var fields = Properties(file, entry, $"entry '{key}'").ToDictionary(p => p.Key, p => p.Value);
        if (!fields.TryGetValue("dtype", out JsonElement dtypeNode)) throw Invalid(file, $"tensor '{key}' has no dtype");
        if (dtypeNode.ValueKind != JsonValueKind.String) throw Invalid(file, $"tensor '{key}' has dtype {dtypeNode.GetRawText()}, not a string such as \"F32\"");
        string dtype = dtypeNode.GetString()!;
        if (dtype != "F32") throw Invalid(file, $"tensor '{key}' has dtype {dtype}; only F32 is supported");
        if (!fields.TryGetValue("shape", out JsonElement shapeNode) || shapeNode.ValueKind != JsonValueKind.Array
            || !fields.TryGetValue("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw Invalid(file, $"tensor '{key}' lacks a shape or a [begin, end] data_offsets pair");
        int[] shape = [.. shapeNode.EnumerateArray().Select(d => d.ValueKind == JsonValueKind.Number && d.TryGetInt32(out int n) && n >= 0
            ? n : throw Invalid(file, $"tensor '{key}' has shape {shapeNode.GetRawText()}; dimensions must be integers in [0, {int.MaxValue}]"))];
        if (offsets[0].ValueKind != JsonValueKind.Number || !offsets[0].TryGetInt64(out long begin)
            || offsets[1].ValueKind != JsonValueKind.Number || !offsets[1].TryGetInt64(out long end))
            throw Invalid(file, $"tensor '{key}' has data_offsets {offsets.GetRawText()}; they must be integers");
        if (begin < 0 || end < begin || end > dataLength)
            throw Invalid(file, $"tensor '{key}' has offsets [{begin}, {end}] outside the {dataLength} data bytes (truncated?)");
        long elements = ElementCount(shape, limit: (end - begin) / 4);
        if (elements < 0 || end - begin != elements * 4)
            throw Invalid(file, $"tensor '{key}' of shape ({string.Join(", ", shape)}) does not fit its offsets, which span {end - begin} bytes");
        var data = new float[elements];
        for (long i = 0; i < elements; i++)
            data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(dataStart + begin + 4 * i), 4));
        return (new SafeTensor(key, shape, data), begin, end);
    }

    /// <summary>The product of <paramref name="shape"/>'s dimensions (all non-negative), or -1 if it exceeds <paramref name="limit"/> (no overflow).</summary>
    private static long ElementCount(int[] shape, long limit)
    {
        if (shape.Contains(0)) return 0;
        long elements = 1;
        foreach (int d in shape)
        {
            if (elements > limit / d) return -1;
            elements *= d;
        }
        return elements;
    }

    private static byte[] Header(SafeTensor[] tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach ((string k, string v) in metadata)
            {
                if (v is null) throw new ArgumentException($"metadata['{k}'] is null; metadata values must be strings.", nameof(metadata));
                RequireText(k, "a metadata key", nameof(metadata));
                RequireText(v, $"metadata['{k}']", nameof(metadata));
                meta[k] = v;
            }
            header[MetadataKey] = meta;
        }
        long offset = 0;
        foreach (SafeTensor t in tensors)
        {
            if (t is null) throw new ArgumentException("A tensor is null.", nameof(tensors));
            if (string.IsNullOrEmpty(t.Name) || t.Name == MetadataKey) throw new ArgumentException($"Invalid tensor name '{t.Name}'.", nameof(tensors));
            if (header.ContainsKey(t.Name)) throw new ArgumentException($"Duplicate tensor name '{t.Name}'.", nameof(tensors));
            RequireText(t.Name, "a tensor name", nameof(tensors));
            if (t.Shape is null || t.Data is null) throw new ArgumentException($"Tensor '{t.Name}' has a null shape or data.", nameof(tensors));
            if (t.Shape.Any(d => d < 0) || ElementCount(t.Shape, limit: t.Data.Length) != t.Data.Length)
                throw new ArgumentException($"Tensor '{t.Name}' has shape {t.ShapeText} but {t.Data.Length} elements.", nameof(tensors));
            header[t.Name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + 4L * t.Data.Length),
            };
            offset += 4L * t.Data.Length;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8; // pad with spaces so the data starts 8-byte aligned, as the reference writer does
        byte[] result = new byte[padded];
        json.CopyTo(result, 0);
        result.AsSpan(json.Length).Fill((byte)' ');
        return result;
    }

    /// <summary>
    /// Rejects a string holding a lone UTF-16 surrogate: UTF-8 cannot encode it, and writing it would silently store
    /// U+FFFD instead (and this reader rejects a header with one).
    /// </summary>
    private static void RequireText(string text, string what, string parameter)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i]))
                throw new ArgumentException($"{what} holds a lone surrogate (U+{(int)text[i]:X4} at index {i}), which UTF-8 cannot encode.", parameter);
        }
    }

    private static InvalidDataException Invalid(string file, string why) => new($"{file} is not a valid safetensors checkpoint: {why}.");
}

using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TorchEbm.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of UTF-8
/// JSON mapping each name to {"dtype", "shape", "data_offsets": [begin, end]} (plus an optional "__metadata__" map of
/// strings), then the raw little-endian data. Only F32 tensors, the dtype this engine computes in.
/// </summary>
/// <remarks>
/// Writes are atomic: the file is written beside the target under a temporary name, flushed to disk and renamed over
/// the target, so a crash mid-write leaves the old file (or none), never a half-written one. Reads validate the
/// header, every dtype, shape and offset, and reject truncated or corrupted files with <see cref="InvalidDataException"/>.
/// </remarks>
public static class SafeTensorsFile
{
    private const string MetadataKey = "__metadata__";
    private const long MaxHeaderBytes = 100L << 20; // the reference implementation's limit

    /// <summary>Writes <paramref name="tensors"/> (unique names) and optional string metadata to <paramref name="path"/>, atomically.</summary>
    /// <exception cref="ArgumentException">Duplicate or empty names, or a shape that does not match the data length.</exception>
    public static void Save(string path, IEnumerable<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Save(path, tensors, metadata, afterBytes: null);

    /// <summary>As <see cref="Save(string, IEnumerable{SafeTensor}, IReadOnlyDictionary{string, string})"/>; <paramref name="afterBytes"/> is told the bytes written so far (tests inject failures there).</summary>
    internal static void Save(string path, IEnumerable<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata, Action<long>? afterBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        SafeTensor[] list = [.. tensors];
        byte[] header = Header(list, metadata);

        string full = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
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
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Reads every tensor and the metadata of a safetensors file.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is truncated, corrupted, or holds a dtype other than F32.</exception>
    public static (IReadOnlyList<SafeTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = File.ReadAllBytes(path);
        string name = Path.GetFileName(path);
        if (bytes.Length < 8) throw Invalid(name, $"it has {bytes.Length} bytes, fewer than the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderBytes || (long)headerLength > bytes.Length - 8)
            throw Invalid(name, $"its header claims {headerLength} bytes but the file has {bytes.Length - 8} after the length");

        JsonObject header;
        try
        {
            header = JsonNode.Parse(bytes.AsSpan(8, (int)headerLength))?.AsObject()
                ?? throw Invalid(name, "its header is not a JSON object");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            throw Invalid(name, $"its header is not valid JSON ({e.Message})");
        }

        long dataStart = 8 + (long)headerLength, dataLength = bytes.Length - dataStart;
        var metadata = new Dictionary<string, string>();
        var entries = new List<(SafeTensor Tensor, long Begin, long End)>();
        foreach ((string key, JsonNode? value) in header)
        {
            if (key == MetadataKey)
            {
                foreach ((string k, JsonNode? v) in value as JsonObject ?? throw Invalid(name, "__metadata__ is not an object"))
                    metadata[k] = v is JsonValue s && s.TryGetValue(out string? text) ? text : throw Invalid(name, $"metadata '{k}' is not a string");
                continue;
            }
            entries.Add(ReadEntry(name, key, value, bytes, dataStart, dataLength));
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

    private static (SafeTensor, long, long) ReadEntry(string file, string key, JsonNode? value, byte[] bytes, long dataStart, long dataLength)
    {
        if (value is not JsonObject entry) throw Invalid(file, $"entry '{key}' is not an object");
        string? dtype = (entry["dtype"] as JsonValue)?.GetValue<string>();
        if (dtype != "F32") throw Invalid(file, $"tensor '{key}' has dtype {dtype ?? "(none)"}; only F32 is supported");
        if (entry["shape"] is not JsonArray shapeNode || entry["data_offsets"] is not JsonArray offsets || offsets.Count != 2)
            throw Invalid(file, $"tensor '{key}' lacks a shape or a [begin, end] data_offsets pair");
        int[] shape;
        long begin, end;
        try
        {
            shape = shapeNode.Select(d => checked((int)d!.GetValue<long>())).ToArray();
            begin = offsets[0]!.GetValue<long>();
            end = offsets[1]!.GetValue<long>();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException or NullReferenceException)
        {
            throw Invalid(file, $"tensor '{key}' has a malformed shape or offsets ({e.Message})");
        }
        if (shape.Any(d => d < 0)) throw Invalid(file, $"tensor '{key}' has a negative dimension");
        long elements = shape.Aggregate(1L, (a, d) => a * d);
        if (begin < 0 || end < begin || end > dataLength)
            throw Invalid(file, $"tensor '{key}' has offsets [{begin}, {end}] outside the {dataLength} data bytes (truncated?)");
        if (end - begin != elements * 4)
            throw Invalid(file, $"tensor '{key}' of shape ({string.Join(", ", shape)}) needs {elements * 4} bytes but its offsets span {end - begin}");
        var data = new float[elements];
        for (long i = 0; i < elements; i++)
            data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(dataStart + begin + 4 * i), 4));
        return (new SafeTensor(key, shape, data), begin, end);
    }

    private static byte[] Header(SafeTensor[] tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach ((string k, string v) in metadata) meta[k] = v;
            header[MetadataKey] = meta;
        }
        long offset = 0;
        foreach (SafeTensor t in tensors)
        {
            ArgumentNullException.ThrowIfNull(t);
            if (string.IsNullOrEmpty(t.Name) || t.Name == MetadataKey) throw new ArgumentException($"Invalid tensor name '{t.Name}'.", nameof(tensors));
            if (header.ContainsKey(t.Name)) throw new ArgumentException($"Duplicate tensor name '{t.Name}'.", nameof(tensors));
            long elements = t.Shape.Aggregate(1L, (a, d) => a * d);
            if (t.Shape.Any(d => d < 0) || elements != t.Data.Length)
                throw new ArgumentException($"Tensor '{t.Name}' has shape {t.ShapeText} but {t.Data.Length} elements.", nameof(tensors));
            header[t.Name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + 4 * elements),
            };
            offset += 4 * elements;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8; // pad with spaces so the data starts 8-byte aligned, as the reference writer does
        byte[] result = new byte[padded];
        json.CopyTo(result, 0);
        result.AsSpan(json.Length).Fill((byte)' ');
        return result;
    }

    private static InvalidDataException Invalid(string file, string why) => new($"{file} is not a valid safetensors checkpoint: {why}.");
}

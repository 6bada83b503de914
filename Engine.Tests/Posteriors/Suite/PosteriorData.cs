using System.Text.Json;

namespace TorchEbm.Tests.Posteriors;

/// <summary>
/// One posteriordb data set as stored in <c>Fixtures/posteriordb/&lt;posterior&gt;.data.json</c>: named numbers, vectors,
/// and matrices (lists of rows), read as float64 on the host.
/// </summary>
public sealed class PosteriorData
{
    private readonly JsonElement _root;

    private PosteriorData(JsonElement root) => _root = root;

    /// <summary>The data of <paramref name="posterior"/> (e.g. "kidiq-kidscore_momiq") from the fixture folder.</summary>
    public static PosteriorData Load(string posterior) =>
        new(JsonDocument.Parse(File.ReadAllText(PosteriorFiles.Path(posterior + ".data.json"))).RootElement.Clone());

    /// <summary>A scalar entry, e.g. N or sigma1.</summary>
    public double Scalar(string name) => Entry(name).GetDouble();

    /// <summary>An integer entry, e.g. N or K.</summary>
    public int Integer(string name) => Entry(name).GetInt32();

    /// <summary>A vector entry, e.g. y.</summary>
    public double[] Vector(string name) => [.. Entry(name).EnumerateArray().Select(e => e.GetDouble())];

    /// <summary>A matrix entry stored as a list of rows, e.g. a design matrix X (N, D).</summary>
    public double[][] Matrix(string name) => [.. Entry(name).EnumerateArray().Select(row => row.EnumerateArray().Select(e => e.GetDouble()).ToArray())];

    private JsonElement Entry(string name) =>
        _root.TryGetProperty(name, out JsonElement e) ? e : throw new KeyNotFoundException($"The data set has no entry '{name}'.");
}

using System.Text.Json;

namespace TorchEbm.Tests.Posteriors;

/// <summary>
/// The summaries of a posteriordb reference posterior (<c>Fixtures/posteriordb/&lt;posterior&gt;.reference.json</c>, made by
/// tools/posteriordb/extract.py from Stan's reference draws: 10 chains of 1000 near-independent draws).
/// </summary>
public sealed record ReferencePosterior(string Posterior, string Model, IReadOnlyList<ReferenceQuantity> Quantities)
{
    /// <summary>Reads the reference of <paramref name="posterior"/>.</summary>
    public static ReferencePosterior Load(string posterior)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(PosteriorFiles.Path(posterior + ".reference.json")));
        JsonElement root = doc.RootElement;
        var quantities = root.GetProperty("quantities").EnumerateArray().Select(q => new ReferenceQuantity(
            q.GetProperty("name").GetString()!, q.GetProperty("mean").GetDouble(), q.GetProperty("sd").GetDouble(),
            q.GetProperty("mcse_mean").GetDouble(), q.GetProperty("mcse_sd").GetDouble())).ToList();
        return new ReferencePosterior(posterior, root.GetProperty("model").GetString()!, quantities);
    }
}

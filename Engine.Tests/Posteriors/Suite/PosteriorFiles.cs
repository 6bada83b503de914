namespace TorchEbm.Tests.Posteriors;

/// <summary>Where the posteriordb extract lies: <c>Fixtures/posteriordb</c> beside the running assembly (copied there by the build).</summary>
public static class PosteriorFiles
{
    /// <summary>The path of <paramref name="file"/> in the extract.</summary>
    public static string Path(string file) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "posteriordb", file);
}

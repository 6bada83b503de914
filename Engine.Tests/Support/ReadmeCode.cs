using System.Text.RegularExpressions;

namespace TorchEbm.Tests.Support;

/// <summary>
/// Keeps README examples true: the first csharp block under a README heading, and the lines between two markers of a
/// test file, each as trimmed non-empty lines, so a test can assert that the README shows the code it runs.
/// </summary>
public static class ReadmeCode
{
    /// <summary>
    /// The first csharp block after the heading <paramref name="heading"/> (e.g. "## Quick start") of README.md, or of
    /// another Markdown file of the repository (<paramref name="file"/>, e.g. "docs/articles/eqm-and-em.md").
    /// </summary>
    public static string[] Block(string heading, string file = "README.md")
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), file));
        Match block = Regex.Match(readme, Regex.Escape(heading) + @"\n.*?```csharp\n(.*?)```", RegexOptions.Singleline);
        Assert.That(block.Success, $"{file} has a {heading} section with a csharp block");
        return Lines(block.Groups[1].Value);
    }

    /// <summary>The lines between "// README {name} begins" and "// README {name} ends" in a file of the repository.</summary>
    public static string[] Marked(string relativePath, string name)
    {
        string text = File.ReadAllText(Path.Combine(RepositoryRoot(), relativePath));
        Match body = Regex.Match(text, $@"// README {Regex.Escape(name)} begins\n(.*?)// README {Regex.Escape(name)} ends", RegexOptions.Singleline);
        Assert.That(body.Success, $"{relativePath} marks a README {name} block");
        return Lines(body.Groups[1].Value);
    }

    private static string[] Lines(string code) => [.. code.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)];

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? d = new(TestContext.CurrentContext.TestDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "TorchEbm.Gpu.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("TorchEbm.Gpu.sln not found above the test directory.");
    }
}

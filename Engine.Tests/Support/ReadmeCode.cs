using System.Text.RegularExpressions;

namespace TorchEbm.Tests.Support;

/// <summary>
/// Keeps README and docs examples true: the first csharp block under a heading of README.md or docs/articles, and the
/// lines between two markers of a test file, each as trimmed non-empty lines, so a test can assert that the docs show the
/// code it runs.
/// </summary>
public static class ReadmeCode
{
    /// <summary>
    /// The first csharp block after the heading <paramref name="heading"/> (e.g. "## Quick start") of <paramref name="file"/>
    /// (a Markdown file of the repository, e.g. "docs/articles/eqm-and-em.md") or, when none is given, of README.md or,
    /// where the README does not have that heading, of the docs article that does (docs/articles/*.md).
    /// </summary>
    public static string[] Block(string heading, string? file = null)
    {
        string root = RepositoryRoot();
        IEnumerable<string> files = file is not null
            ? [Path.Combine(root, file)]
            : new[] { Path.Combine(root, "README.md") }.Concat(Directory.GetFiles(Path.Combine(root, "docs", "articles"), "*.md").Order(StringComparer.Ordinal));
        foreach (string path in files)
        {
            string text = File.ReadAllText(path);
            if (!Regex.IsMatch(text, "^" + Regex.Escape(heading) + "$", RegexOptions.Multiline)) continue;
            Match block = Regex.Match(text, "^" + Regex.Escape(heading) + @"\n.*?```csharp\n(.*?)```", RegexOptions.Singleline | RegexOptions.Multiline);
            Assert.That(block.Success, $"{Path.GetFileName(path)}'s {heading} section has a csharp block");
            return Lines(block.Groups[1].Value);
        }
        Assert.Fail($"{file ?? "neither README.md nor docs/articles"} has no section {heading}");
        return [];
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

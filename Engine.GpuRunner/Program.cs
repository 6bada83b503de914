// Engine.GpuRunner: runs Engine.Tests in process with NUnit's framework API (no test host, no .NET SDK), for the
// self-contained bundle tools/gpu-run.sh builds.
//
//   Engine.GpuRunner [--category Gpu] [--test REGEX] [--where FILTER-XML] [--result FILE.xml] [--list]
//
// Default: every test in category Gpu. --test keeps tests whose full name matches REGEX (and drops the default
// category unless --category is given too); --category all means no category filter; --where takes an NUnit filter
// in XML (e.g. "<filter><cat>Gpu</cat></filter>") and replaces the others. Prints "N passed, N failed, N skipped",
// writes NUnit's result XML to --result, exits 1 on any failure (2 on bad arguments, 3 when nothing ran).
using System.Reflection;
using System.Security;
using NUnit.Framework.Api;
using NUnit.Framework.Interfaces;
using NUnit.Framework.Internal;

string? category = null, test = null, where = null, resultPath = null;
bool list = false;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    try
    {
        switch (args[i])
        {
            case "--category": category = Next(); break;
            case "--test": test = Next(); break;
            case "--where": where = Next(); break;
            case "--result": resultPath = Next(); break;
            case "--list": list = true; break;
            case "-h" or "--help":
                Console.WriteLine("Engine.GpuRunner [--category Gpu|all] [--test REGEX] [--where FILTER-XML] [--result FILE.xml] [--list]");
                return 0;
            default: throw new ArgumentException($"unknown argument {args[i]}");
        }
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }
}

string filterXml = where ?? BuildFilter(category ?? (test is null ? "Gpu" : "all"), test);
Console.WriteLine($"filter: {filterXml}");
ITestFilter filter = TestFilter.FromXml(filterXml);

Assembly tests = typeof(TorchEbm.Tests.Support.DeviceTest).Assembly;
var runner = new NUnitTestAssemblyRunner(new DefaultTestAssemblyBuilder());
var settings = new Dictionary<string, object>
{
    ["WorkDirectory"] = Path.GetDirectoryName(tests.Location) ?? Directory.GetCurrentDirectory(),
    ["NumberOfTestWorkers"] = 0, // one thread: a Device is not thread-safe and a GPU is shared
};
runner.Load(tests, settings);

if (list)
{
    ITest explored = runner.ExploreTests(filter);
    int n = 0;
    void Walk(ITest t)
    {
        if (!t.IsSuite) { Console.WriteLine(t.FullName); n++; }
        foreach (ITest c in t.Tests) Walk(c);
    }
    Walk(explored);
    Console.WriteLine($"{n} tests");
    return 0;
}

var listener = new ConsoleListener();
ITestResult result = runner.Run(listener, filter);

int passed = result.PassCount, failed = result.FailCount, skipped = result.SkipCount + result.InconclusiveCount,
    warnings = result.WarningCount;
if (resultPath is not null)
{
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(resultPath))!);
    File.WriteAllText(resultPath, result.ToXml(true).OuterXml);
}
Console.WriteLine($"result: {result.ResultState} in {result.Duration:F1} s");
Console.WriteLine($"{passed} passed, {failed} failed, {skipped} skipped" + (warnings > 0 ? $", {warnings} warnings" : ""));
if (failed > 0 || result.ResultState.Status == TestStatus.Failed) return 1;
return passed + skipped + warnings == 0 ? 3 : 0;

static string BuildFilter(string category, string? test)
{
    var parts = new List<string>();
    if (!string.Equals(category, "all", StringComparison.OrdinalIgnoreCase))
        parts.Add($"<cat>{SecurityElement.Escape(category)}</cat>");
    if (test is not null) parts.Add($"<test re=\"1\">{SecurityElement.Escape(test)}</test>");
    return parts.Count switch
    {
        0 => "<filter/>",
        1 => $"<filter>{parts[0]}</filter>",
        _ => $"<filter><and>{string.Concat(parts)}</and></filter>",
    };
}

/// <summary>Prints each test's outcome as it finishes (failures with their message and stack).</summary>
internal sealed class ConsoleListener : ITestListener
{
    public void TestStarted(ITest test) { }

    public void TestFinished(ITestResult result)
    {
        if (result.Test.IsSuite)
        {
            // A fixture that fails or is ignored in OneTimeSetUp (e.g. no CUDA) reports once, here.
            if (result.Test is TestFixture && result.ResultState.Site is FailureSite.SetUp or FailureSite.TearDown)
                Console.WriteLine($"  {result.ResultState,-12} {result.Test.FullName}: {FirstLine(result.Message)}");
            return;
        }
        string state = result.ResultState.Status switch
        {
            TestStatus.Passed => "ok",
            TestStatus.Failed => "FAIL",
            TestStatus.Skipped => "skip",
            TestStatus.Warning => "warn",
            _ => result.ResultState.ToString(),
        };
        Console.WriteLine($"  {state,-4} {result.Duration,7:F2} s  {result.Test.FullName}");
        if (result.ResultState.Status == TestStatus.Failed)
        {
            Console.WriteLine($"       {result.Message?.Trim()}");
            if (result.StackTrace is { } st) Console.WriteLine($"       {st.Trim().Replace("\n", "\n       ")}");
        }
    }

    public void TestOutput(TestOutput output) { }

    public void SendMessage(TestMessage message) { }

    private static string FirstLine(string? s) => s?.Split('\n')[0].Trim() ?? "";
}

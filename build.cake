// Build tasks for TorchEbm.Gpu. `dotnet tool restore && dotnet cake --target=Test` (Test is the default).
var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var solution = "./TorchEbm.Gpu.sln";
var artifacts = Directory("./artifacts");

Task("Clean")
    .Does(() =>
{
    CleanDirectories("./**/bin/" + configuration);
    CleanDirectories("./**/obj");
    CleanDirectory(artifacts);
});

Task("Build")
    .Does(() =>
{
    DotNetBuild(solution, new DotNetBuildSettings { Configuration = configuration });
});

// Runs every NUnit test on the CPU accelerator (GPU fixtures skip themselves without CUDA) and writes
// artifacts/test-results/results.trx, which .ci/run counts.
Task("Test")
    .IsDependentOn("Build")
    .Does(() =>
{
    var results = artifacts + Directory("test-results");
    CleanDirectory(results);
    DotNetTest(solution, new DotNetTestSettings
    {
        Configuration = configuration,
        NoBuild = true,
        ResultsDirectory = results,
        Loggers = { "trx;LogFileName=results.trx", "console;verbosity=normal" },
    });
});

// Assembles every kernel's PTX with ptxas for sm_90 and fails on errors or spills in hot kernels.
Task("PtxCheck")
    .Does(() =>
{
    var exit = StartProcess("bash", new ProcessSettings { Arguments = "tools/ptxas-check.sh artifacts/ptx" });
    if (exit != 0) throw new CakeException($"ptxas check failed (exit code {exit}).");
});

// BenchmarkDotNet suites in their quick mode; pass --bench-args to choose others, e.g. --bench-args="--filter *Fill*".
Task("Bench")
    .Does(() =>
{
    var benchArgs = Argument("bench-args", "--job short --filter *");
    DotNetRun("./Engine.Bench/Engine.Bench.csproj", new ProcessArgumentBuilder().Append(benchArgs),
        new DotNetRunSettings { Configuration = "Release" });
});

// The docs site (docs/docfx.json) into artifacts/docs: API reference from the public assemblies' XML docs plus the
// articles under docs/articles. Warnings are errors, so a broken link or a missing xref fails the build.
Task("Docs")
    .Does(() =>
{
    foreach (var project in new[] { "./Engine.Distributed/Engine.Distributed.csproj" })   // builds Engine, Autodiff, Kernels too
        DotNetBuild(project, new DotNetBuildSettings { Configuration = "Release" });
    CleanDirectory(artifacts + Directory("docs"));
    CleanDirectory("./docs/api");
    var exit = StartProcess("dotnet", new ProcessSettings { Arguments = "docfx docs/docfx.json --warningsAsErrors" });
    if (exit != 0) throw new CakeException($"docfx failed (exit code {exit}).");
});

// Builds and runs every example under examples/ with small settings (examples/run-all.sh).
Task("Examples")
    .Does(() =>
{
    var exit = StartProcess("bash", new ProcessSettings { Arguments = "examples/run-all.sh" });
    if (exit != 0) throw new CakeException($"an example failed (exit code {exit}).");
});

Task("Pack")
    .IsDependentOn("Build")
    .Does(() =>
{
    DotNetPack(solution, new DotNetPackSettings
    {
        Configuration = configuration,
        NoBuild = true,
        OutputDirectory = artifacts + Directory("packages"),
    });
});

RunTarget(target);

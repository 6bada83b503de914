using System.Diagnostics;
using System.Text.Json;

namespace TorchEbm.Bench.Langevin;

/// <summary>
/// <c>Engine.Bench compare [repetitions]</c>: every workload of the throughput runner in the engine and in the PyTorch
/// reference scripts (reference/langevin_torch.py: W1-W4 and the MLP pass, eager autograd Langevin as TorchEBM runs
/// it; reference/samplers_torch.py: W5 HMC and W6 MALA, eager, with acceptance rates), in one run, as a table of
/// throughputs and ratios, then both sides' acceptance rates. PyTorch uses as many threads as this machine has cores,
/// like the engine.
/// </summary>
public static class TorchComparison
{
    public static int Run(int repetitions)
    {
        (IReadOnlyList<Measurement> results, string device) = ThroughputRunner.Measure(repetitions);
        string torchDevice = device.StartsWith("Cuda") ? "cuda" : "cpu";
        Dictionary<string, JsonElement>? torch = Merge(
            RunTorch("langevin_torch.py", repetitions, torchDevice), RunTorch("samplers_torch.py", repetitions, torchDevice));

        Console.WriteLine();
        Console.WriteLine($"{"workload",-48} {"engine",12} {"PyTorch",12} {"engine / PyTorch",17}");
        foreach (Measurement m in results)
        {
            string name = $"{m.Name} ({m.Unit})";
            if (torch is null || !torch.TryGetValue(m.Key, out JsonElement seconds))
            {
                Console.WriteLine($"{name,-48} {m.Rate,12:E3} {"-",12} {"-",17}");
                continue;
            }
            double reference = m.Work / seconds.GetDouble();
            Console.WriteLine($"{name,-48} {m.Rate,12:E3} {reference,12:E3} {m.Rate / reference,17:F2}");
        }
        foreach (Measurement m in results)
        {
            if (m.Acceptance is not double a) continue;
            string reference = torch is not null && torch.TryGetValue(m.Key + "_acceptance", out JsonElement t) ? $"{t.GetDouble():F3}" : "-";
            Console.WriteLine($"{m.Key} acceptance: engine {a:F3}, PyTorch {reference}");
        }
        ThroughputRunner.PrintRoofline(results);
        Console.WriteLine($"engine: {device}");
        if (torch is not null)
            Console.WriteLine($"PyTorch {torch["torch"]} on {torch["device"]}, {torch["threads"]} threads");
        return 0;
    }

    /// <summary>The scripts' results in one dictionary (null when neither ran).</summary>
    private static Dictionary<string, JsonElement>? Merge(params Dictionary<string, JsonElement>?[] parts)
    {
        Dictionary<string, JsonElement>? merged = null;
        foreach (Dictionary<string, JsonElement>? part in parts)
        {
            if (part is null) continue;
            merged ??= [];
            foreach ((string key, JsonElement value) in part) merged[key] = value;
        }
        return merged;
    }

    /// <summary>
    /// Runs a reference script with the first interpreter that has PyTorch: <c>TORCHEBM_PYTHON</c> if set, else
    /// <c>python3</c> on PATH, else Debian's <c>/usr/bin/python3</c> (where apt's python3-torch lives).
    /// </summary>
    internal static Dictionary<string, JsonElement>? RunTorch(string scriptName, int repetitions, string device)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "reference", scriptName);
        string? configured = Environment.GetEnvironmentVariable("TORCHEBM_PYTHON");
        string[] interpreters = string.IsNullOrWhiteSpace(configured) ? ["python3", "/usr/bin/python3"] : [configured];
        string lastError = "python3 not found";
        foreach (string python in interpreters.Distinct())
        {
            var start = new ProcessStartInfo(python)
            {
                ArgumentList = { script, "--repetitions", repetitions.ToString(), "--device", device, "--threads", Environment.ProcessorCount.ToString() },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            try
            {
                using Process process = Process.Start(start)!;
                Task<string> error = process.StandardError.ReadToEndAsync();
                string output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode == 0)
                    return JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(output.Trim().Split('\n')[^1]);
                lastError = $"{python}: {error.Result.Trim().Split('\n')[^1]}";
            }
            catch (System.ComponentModel.Win32Exception)
            {
                lastError = $"{python} not found";
            }
        }
        Console.WriteLine($"PyTorch reference {scriptName} did not run ({lastError}).");
        Console.WriteLine("To compare with PyTorch install it, e.g. on Debian: apt-get install -y python3-torch (or set TORCHEBM_PYTHON). Engine figures only for its workloads:");
        return null;
    }
}

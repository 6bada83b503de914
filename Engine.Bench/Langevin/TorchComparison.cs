using System.Diagnostics;
using System.Text.Json;

namespace TorchEbm.Bench.Langevin;

/// <summary>
/// <c>Engine.Bench compare [repetitions]</c>: W1, W2, W3 and the MLP forward + backward pass in the engine and in the
/// PyTorch reference script (reference/langevin_torch.py, eager autograd Langevin as TorchEBM runs it), in one run,
/// as a table of throughputs and ratios. PyTorch uses as many threads as this machine has cores, like the engine.
/// </summary>
public static class TorchComparison
{
    public static int Run(int repetitions)
    {
        (IReadOnlyList<Measurement> results, string device) = ThroughputRunner.Measure(repetitions);
        Dictionary<string, JsonElement>? torch = RunTorch(repetitions, device.StartsWith("Cuda") ? "cuda" : "cpu");

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
        Console.WriteLine($"engine: {device}");
        if (torch is not null)
            Console.WriteLine($"PyTorch {torch["torch"]} on {torch["device"]}, {torch["threads"]} threads");
        return 0;
    }

    /// <summary>
    /// Runs the reference script with the first interpreter that has PyTorch: <c>TORCHEBM_PYTHON</c> if set, else
    /// <c>python3</c> on PATH, else Debian's <c>/usr/bin/python3</c> (where apt's python3-torch lives).
    /// </summary>
    private static Dictionary<string, JsonElement>? RunTorch(int repetitions, string device)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "reference", "langevin_torch.py");
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
        Console.WriteLine($"PyTorch reference did not run ({lastError}).");
        Console.WriteLine("To compare with PyTorch install it, e.g. on Debian: apt-get install -y python3-torch (or set TORCHEBM_PYTHON). Engine figures only:");
        return null;
    }
}

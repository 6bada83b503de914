using System.Diagnostics;
using System.Text.Json;

namespace TorchEbm.Bench.Langevin;

/// <summary>
/// <c>Engine.Bench compare [repetitions]</c>: W1 and W2 in the engine and in the PyTorch reference script
/// (reference/langevin_torch.py, eager autograd Langevin as TorchEBM runs it), in one run, as a table of
/// throughputs and ratios. PyTorch uses as many threads as this machine has cores, like the engine.
/// </summary>
public static class TorchComparison
{
    public static int Run(int repetitions)
    {
        (double w1, double w2, string device) = ThroughputRunner.Measure(repetitions);
        Dictionary<string, JsonElement>? torch = RunTorch(repetitions, device.StartsWith("Cuda") ? "cuda" : "cpu");

        Console.WriteLine();
        Console.WriteLine($"{"workload",-34} {"engine",16} {"PyTorch",16} {"engine / PyTorch",17}");
        Row("W1 Gaussian 2-D (chain-steps/s)", (double)LangevinWorkloads.W1Chains * LangevinWorkloads.W1Steps, w1, torch, "W1");
        Row("W2 double well (coord-steps/s)",
            (double)LangevinWorkloads.W2Chains * LangevinWorkloads.W2Dim * LangevinWorkloads.W2Steps, w2, torch, "W2");
        Console.WriteLine($"engine: {device}");
        if (torch is not null)
            Console.WriteLine($"PyTorch {torch["torch"]} on {torch["device"]}, {torch["threads"]} threads");
        return 0;
    }

    private static void Row(string name, double work, double engineSeconds, Dictionary<string, JsonElement>? torch, string key)
    {
        double engine = work / engineSeconds;
        if (torch is null)
        {
            Console.WriteLine($"{name,-34} {engine,16:E3} {"-",16} {"-",17}");
            return;
        }
        double reference = work / torch[key].GetDouble();
        Console.WriteLine($"{name,-34} {engine,16:E3} {reference,16:E3} {engine / reference,17:F2}");
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

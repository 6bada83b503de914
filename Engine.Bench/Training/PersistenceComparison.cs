using TorchEbm.Training;

namespace TorchEbm.Bench.Training;

/// <summary>
/// <c>Engine.Bench pcd [steps]</c>: persistent CD (replay buffer, 5% restarts) against CD-k started at the data, at
/// equal k, steps and everything else, on two data sets. Each trained model is sampled the same way, long-run
/// Langevin from N(0, I) (1000 steps of 0.01 at noise 0.1, the regime persistent chains are meant for), and scored by
/// MMD^2 to held-out data (lower is better).
/// </summary>
public static class PersistenceComparison
{
    public static int Run(int steps)
    {
        using Device device = Device.Create();
        Console.WriteLine($"{device}; {steps} steps, k = 10, samples: 1000 Langevin steps (0.01, noise 0.1) from N(0, I)");
        Console.WriteLine($"{"data set",-16} {"CD-10 (from data)",18} {"PCD-10",12} {"data vs data",14}");
        foreach (string dataset in new[] { "two-moons", "eight-gaussians" })
        {
            var common = new TrainingOptions
            {
                Dataset = dataset, Steps = steps, K = 10, StepSize = 0.01f, NoiseScale = 0.1f, EvalSteps = 1000, ReinitFraction = 0.05f,
            };
            using TrainingResult cd = Trainer.Run(device, common with { Persistent = false });
            using TrainingResult pcd = Trainer.Run(device, common with { Persistent = true });
            Console.WriteLine($"{dataset,-16} {cd.Mmd,18:E3} {pcd.Mmd,12:E3} {pcd.DataMmd,14:E3}");
        }
        return 0;
    }
}

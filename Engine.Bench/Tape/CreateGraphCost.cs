using TorchEbm.Autodiff;
using TorchEbm.Bench.Timing;
using TorchEbm.Models;

namespace TorchEbm.Bench.Tape;

/// <summary>
/// <c>Engine.Bench create-graph [repetitions]</c>: the cost of <c>createGraph</c> on the input gradient of an MLP
/// 2-128-128-1 (SiLU) over a batch of 1024 on the tape, in one run: dE/dx with kernels (the fast path), dE/dx on the
/// tape as Var ops (createGraph), and createGraph plus the backward of sum ||dE/dx||^2 to the parameters (what a
/// score-matching iteration differentiates). Prints milliseconds per call and the ratios to the fast path.
/// </summary>
public static class CreateGraphCost
{
    private const int Batch = 1024;

    public static int Run(int repetitions)
    {
        using var device = Device.Create();
        using var model = new NeuralNetworkModel(new MLP(device, 2, [128, 128], 1, Activation.SiLU, seed: 1));
        using Tensor points = device.FromArray(Enumerable.Range(0, Batch * 2).Select(i => MathF.Sin(i * 0.37f) * 2f).ToArray(), Batch, 2);
        Console.WriteLine($"{device}: dE/dx of an MLP 2-128-128-1 (SiLU) on the tape, batch {Batch}, median of {repetitions}");

        double Milliseconds(Action once)
        {
            void Synchronized()
            {
                once();
                device.Synchronize();
            }
            Synchronized();
            return 1e3 * Median.Seconds(repetitions, Synchronized);
        }

        double kernels = Milliseconds(() =>
        {
            using var x = new Var(points.Clone(), requiresGrad: true);
            using Var energies = model.Energies(x), total = energies.Sum();
            using Tensor gradient = TorchEbm.Autodiff.Tape.Grad(total, x);
        });
        double graph = Milliseconds(() =>
        {
            using var x = new Var(points.Clone(), requiresGrad: true);
            using Var gradient = model.Gradient(x, createGraph: true);
        });
        double graphAndBackward = Milliseconds(() =>
        {
            using var x = new Var(points.Clone(), requiresGrad: true);
            using Var gradient = model.Gradient(x, createGraph: true);
            using Var loss = (gradient * gradient).Sum();
            loss.Backward();
        });
        Console.WriteLine($"dE/dx, kernel backward            {kernels,9:F2} ms   1.00x");
        Console.WriteLine($"dE/dx, createGraph (Var ops)       {graph,9:F2} ms   {graph / kernels:F2}x");
        Console.WriteLine($"createGraph + d/dtheta ||dE/dx||^2 {graphAndBackward,9:F2} ms   {graphAndBackward / kernels:F2}x");
        return 0;
    }
}

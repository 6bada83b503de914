// A posterior with a constrained parameter: eight schools (non-centred), written as a log density over Stan's
// unconstrained space, the scale tau mapped through the positive transform with its log-Jacobian, sampled by NUTS.
//   dotnet run -c Release --project examples/ConstrainedPosterior -- [draws]      (default 1000; CI passes 150)
using TorchEbm;
using TorchEbm.Autodiff;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Transforms;

int draws = args.Length > 0 ? int.Parse(args[0]) : 1000;

using var device = Device.Create();
// <model>
float[] y = [28, 8, -3, 7, -1, 1, 18, 12], sigma = [15, 10, 16, 11, 9, 11, 10, 18];
using Tensor scores = device.FromArray(y, 8), precisions = device.FromArray(sigma.Select(s => 1f / s).ToArray(), 8);
// x = (mu, log tau, theta_tilde[1..8]): the positive transform gives tau > 0 and log |d tau / d x|.
using BaseModel eightSchools = BaseModel.FromLogDensity(device, dim: 10, x =>
{
    int n = x.Shape[0];
    Var mu = x.Column(0), thetaTilde = x.Columns(2, 8);
    (Var tau, Var logJacobian) = Positive.Constrain(x.Column(1));
    Var theta = mu.Reshape(n, 1) + tau.Reshape(n, 1) * thetaTilde;           // theta = mu + tau theta_tilde
    Var z = (theta - Var.Constant(scores)) * Var.Constant(precisions);      // y_j ~ N(theta_j, sigma_j)
    return -0.5f * (thetaTilde.Square() + z.Square()).Sum(1)                // theta_tilde ~ N(0, 1)
        - mu.Square() / 50f                                                 // mu ~ N(0, 5)
        - ((tau / 5f).Square() + 1f).Log()                                  // tau ~ half-Cauchy(0, 5)
        + logJacobian;                                                      // sampled as log tau
});
// </model>

// <sample>
var nuts = new NoUTurnSampler(eightSchools, stepSize: 0.1f, seed: 2026);
using ChainResult result = nuts.SampleChain(dim: 10, nSteps: draws, nSamples: 16,
    options: new SampleOptions { WarmupSteps = draws, ReturnTrajectory = true });
// </sample>

// The trajectory (draws, 16, 10) holds x; tau is the exponential of column 1.
float[] flat = result.Trajectory!.ToArray();
double muSum = 0, tauSum = 0;
int count = flat.Length / 10;
for (int i = 0; i < count; i++)
{
    muSum += flat[10 * i];
    tauSum += Math.Exp(flat[10 * i + 1]);
}
Console.WriteLine($"NUTS, {draws} warm-up + {draws} draws x 16 chains: mu {muSum / count:F2} (posteriordb 4.41), " +
    $"tau {tauSum / count:F2} (posteriordb 3.60), divergences {result.Info!.Divergences}");
foreach (SamplingWarning warning in result.Warnings) Console.WriteLine($"warning: {warning.Message}");

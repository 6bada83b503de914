using TorchEbm.Autodiff;
using TorchEbm.Diagnostics;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Support;
using TorchEbm.Transforms;

namespace TorchEbm.Tests.Transforms;

/// <summary>
/// Eight schools (noncentered), written as a lambda with the positive transform and sampled with HMC, against
/// posteriordb's reference posterior (eight_schools-eight_schools_noncentered: Stan, 10 chains x 1000 draws).
/// </summary>
public sealed class EightSchoolsTests(DeviceKind kind) : DeviceTest(kind)
{
    // posteriordb (stan-dev/posteriordb, BSD-3), reference_posteriors/draws/draws/eight_schools-eight_schools_noncentered:
    // means and sds computed from the 10 x 1000 draws; the mean's MCSE from summary_statistics/mean_value.
    private const double MuMean = 4.41051833695493, MuSd = 3.30929647672635, MuMcse = 0.0330374705950917;
    private const double TauMean = 3.60205952364059, TauSd = 3.19847767097663, TauMcse = 0.0318615135640706;

    private const double ReferenceEss = 10000;

    /// <summary>
    /// 64 chains, 1000 warm-up transitions with per-chain step sizes then 1000 kept: mu's and tau's posterior means are
    /// within 5 Monte Carlo standard errors of the reference (ours from the bulk ESS, combined with the reference's).
    /// </summary>
    [Test, Category("Slow")]
    public void Hmc_MatchesThePosteriordbReference()
    {
        Device device = Device;
        // README eight schools begins
        float[] y = [28, 8, -3, 7, -1, 1, 18, 12], sigma = [15, 10, 16, 11, 9, 11, 10, 18];
        using Tensor scores = device.FromArray(y, 8), precisions = device.FromArray(sigma.Select(s => 1f / s).ToArray(), 8);
        // x = (mu, log tau, theta_tilde[1..8]), Stan's unconstrained space: the positive transform gives tau and its Jacobian.
        using BaseModel eightSchools = BaseModel.FromEnergy(device, dim: 10, x =>
        {
            int n = x.Shape[0];
            Var mu = x.Column(0), thetaTilde = x.Columns(2, 8);
            (Var tau, Var logJacobian) = Positive.Constrain(x.Column(1));
            Var theta = mu.Reshape(n, 1) + tau.Reshape(n, 1) * thetaTilde;           // theta = mu + tau theta_tilde
            Var z = (theta - Var.Constant(scores)) * Var.Constant(precisions);      // y_j ~ N(theta_j, sigma_j)
            return 0.5f * (thetaTilde.Square() + z.Square()).Sum(1)                 // theta_tilde ~ N(0, 1)
                + mu.Square() / 50f                                                 // mu ~ N(0, 5)
                + ((tau / 5f).Square() + 1f).Log()                                  // tau ~ half-Cauchy(0, 5)
                - logJacobian;                                                      // sampled as log tau
        });
        var hmc = new HamiltonianMonteCarlo(eightSchools, stepSize: 0.1f, seed: 2026);
        using ChainResult result = hmc.SampleChain(dim: 10, nSteps: 1000, nSamples: 64, new SampleOptions
        {
            WarmupSteps = 1000, StepSizeAdaptation = StepSizeAdaptation.PerChain, ReturnTrajectory = true,
        });
        // README eight schools ends

        float[] draws = result.Trajectory!.ToArray();
        int kept = result.Trajectory.Dim(0), chains = result.Trajectory.Dim(1);
        // Per draw: mu, tau, and their squared deviations from the mean (whose ESS gives the variance's MCSE).
        var summaries = new double[kept, chains, 4];
        for (int t = 0; t < kept; t++)
        for (int c = 0; c < chains; c++)
        {
            summaries[t, c, 0] = draws[(t * chains + c) * 10];
            summaries[t, c, 1] = Math.Exp(draws[(t * chains + c) * 10 + 1]);
        }
        (double Mean, double Sd)[] moments = [Moments(summaries, 0), Moments(summaries, 1)];
        for (int t = 0; t < kept; t++)
        for (int c = 0; c < chains; c++)
        for (int j = 0; j < 2; j++)
            summaries[t, c, 2 + j] = Math.Pow(summaries[t, c, j] - moments[j].Mean, 2);
        float[] ess = ChainStatistics.EffectiveSampleSize(summaries);
        (string Name, double Mean, double Sd, double Mcse)[] reference = [("mu", MuMean, MuSd, MuMcse), ("tau", TauMean, TauSd, TauMcse)];
        for (int j = 0; j < 2; j++)
        {
            (double mean, double sd) = moments[j];
            double meanSe = Math.Sqrt(sd * sd / ess[j] + reference[j].Mcse * reference[j].Mcse);
            // The sd's MCSE by the delta method from the variance's: sd of the squared deviations over sqrt(ESS), ours
            // and the reference's (its draws have bulk ESS about 10000), divided by 2 sd.
            double squaresSd = Moments(summaries, 2 + j).Sd;
            double sdSe = squaresSd * Math.Sqrt(1 / ess[2 + j] + 1 / ReferenceEss) / (2 * sd);
            TestContext.Out.WriteLine($"{reference[j].Name}: mean {mean:F3} (reference {reference[j].Mean:F3}, z {(mean - reference[j].Mean) / meanSe:F2}), " +
                $"sd {sd:F3} (reference {reference[j].Sd:F3}, z {(sd - reference[j].Sd) / sdSe:F2}), ESS {ess[j]:F0}");
            Assert.That(Math.Abs(mean - reference[j].Mean), Is.LessThan(5 * meanSe), $"{reference[j].Name} mean");
            Assert.That(Math.Abs(sd - reference[j].Sd), Is.LessThan(5 * sdSe), $"{reference[j].Name} sd");
        }
        TestContext.Out.WriteLine($"divergences {result.Info!.Divergences}, mean acceptance {result.Info.MeanAcceptance:F3}");
    }

    [Test]
    public void Readme_ShowsThisCode() =>
        Assert.That(ReadmeCode.Block("## Sampling a posterior").Where(l => !l.StartsWith("using TorchEbm")),
            Is.EqualTo(ReadmeCode.Marked("Engine.Tests/Transforms/EightSchoolsTests.cs", "eight schools")));

    private static (double Mean, double Sd) Moments(double[,,] draws, int j)
    {
        int t = draws.GetLength(0), c = draws.GetLength(1);
        double sum = 0, squares = 0;
        for (int i = 0; i < t; i++)
        for (int k = 0; k < c; k++) { sum += draws[i, k, j]; squares += draws[i, k, j] * draws[i, k, j]; }
        double mean = sum / (t * c);
        return (mean, Math.Sqrt((squares - t * c * mean * mean) / (t * c - 1)));
    }
}

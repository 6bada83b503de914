using TorchEbm.Autodiff;
using TorchEbm.Models;
using TorchEbm.Optim;
using TorchEbm.Samplers;
using TorchEbm.Tests.Autodiff;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Models;

/// <summary>
/// The fused per-sample MLP kernels behind <see cref="NeuralNetworkModel"/> and their batched host twin (the CPU's
/// default, <see cref="TorchEbm.Networks.CpuMlp"/>): the same energies, input gradients and Langevin chains as the tape,
/// for every activation and for shallow, deep, wide and odd-dimensional networks. Cases named "kernels" switch the host
/// twin off so the ILGPU kernels run on the CPU accelerator.
/// </summary>
public sealed class FusedMlpTests(DeviceKind kind) : DeviceTest(kind)
{
    // (input dim, hidden widths): no hidden layer, one, several, wide (130 > a 128 tile), odd input dims.
    private static readonly (int Dim, int[] Hidden)[] Shapes =
        [(2, []), (2, [16]), (3, [16, 8]), (5, [130]), (2, [16, 16, 16]), (1, [4, 4])];

    public static IEnumerable<TestCaseData> Cases() =>
        from activation in Enum.GetValues<Activation>()
        from shape in Shapes
        from onHost in new[] { false, true }
        select new TestCaseData(activation, shape.Dim, shape.Hidden, onHost)
            .SetArgDisplayNames(activation.ToString(), string.Join("-", [shape.Dim, .. shape.Hidden, 1]), Path(onHost));

    private static string Path(bool onHost) => onHost ? "host" : "kernels";

    [TestCaseSource(nameof(Cases))]
    public void EnergiesAndGradients_MatchTheTape(Activation activation, int dim, int[] hidden, bool onHost)
    {
        const int n = 37;
        using var fused = new NeuralNetworkModel(new MLP(Device, dim, hidden, 1, activation, seed: 3));
        using Tensor x = Device.Randn(n, dim, seed: 11);
        Assert.That(fused.IsFused, Is.True);
        UseHost(fused, onHost);

        using Tensor energies = fused.Forward(x);
        using Tensor gradient = fused.Gradient(x);
        (float[] tapeEnergies, float[] tapeGradient) = OnTape(fused, x);
        Assert.That(FiniteDifferences.RelativeError(energies.ToArray(), tapeEnergies.Select(v => (double)v).ToArray()), Is.LessThan(1e-5));
        Assert.That(FiniteDifferences.RelativeError(gradient.ToArray(), tapeGradient.Select(v => (double)v).ToArray()), Is.LessThan(1e-5));
    }

    [TestCase(2, 20, false)]
    [TestCase(3, 8, false)]
    [TestCase(2, 20, true)]
    [TestCase(3, 8, true)]
    public void LangevinChains_MatchTheStepByStepTapePath(int dim, int steps, bool onHost)
    {
        using var fused = new NeuralNetworkModel(new MLP(Device, dim, [16, 16], 1, Activation.SiLU, seed: 5));
        UseHost(fused, onHost);
        // The same MLP inside another Sequential is not recognised as plain, so it runs on the tape step by step.
        using var tape = new NeuralNetworkModel(new Sequential(new MLP(Device, dim, [16, 16], 1, Activation.SiLU, seed: 5)));
        Assert.That((fused.IsFused, tape.IsFused), Is.EqualTo((true, false)));
        var options = new SampleOptions { ReturnTrajectory = true, Thin = 2, Seed = 7 };

        using ChainResult a = new LangevinDynamics(fused, 0.05f, 0.3f, seed: 1, clampMin: -2f, clampMax: 2f).SampleChain(dim, steps, 50, options);
        using ChainResult b = new LangevinDynamics(tape, 0.05f, 0.3f, seed: 1, clampMin: -2f, clampMax: 2f).SampleChain(dim, steps, 50, options);

        float[] fa = a.Trajectory!.ToArray(), fb = b.Trajectory!.ToArray();
        Assert.That(a.Trajectory.Shape, Is.EqualTo(b.Trajectory!.Shape));
        Assert.That(fa.Zip(fb, (u, v) => MathF.Abs(u - v)).Max(), Is.LessThan(1e-4), "same noise, same gradients up to rounding");
        Assert.That(a.Samples.ToArray(), Is.EqualTo(fa[^(50 * dim)..]), "the last kept state is the sample");
        Assert.That(fa.Max(), Is.LessThanOrEqualTo(2f), "clamped");
    }

    [Test]
    public void MetropolisChains_OnTheHost_MatchTheKernels()
    {
        // MALA and HMC with warm-up (step-size adaptation) read energies as well as gradients. The host twin's sums and
        // transcendentals differ from the kernels' only in rounding (~1e-7), which the trajectories amplify (measured: 2e-4
        // relative after 3 warm-up and 5 transitions of 4 leapfrog steps); feeding a transition a wrong energy or gradient
        // moves a state by the order of a step (0.1). So: the same accept decisions, and states within 1e-3. HMC runs without
        // warm-up: with the per-chain step-size search and adaptation of its warm-up, rounding changed 1 of its 320 decisions.
        using var model = new NeuralNetworkModel(new MLP(Device, 3, [16, 16], 1, Activation.Tanh, seed: 4));
        foreach (Func<Sampler> create in new Func<Sampler>[] { () => new MetropolisAdjustedLangevin(model, 0.1f), () => new HamiltonianMonteCarlo(model, 0.1f, 4) })
        {
            var options = new SampleOptions { Seed = 9, WarmupSteps = create() is HamiltonianMonteCarlo ? 0 : 3 };
            float[] Run(bool onHost)
            {
                UseHost(model, onHost);
                using ChainResult result = create().SampleChain(3, 5, 64, options);
                return [.. result.Samples.ToArray(), result.Info!.MeanAcceptance];
            }
            float[] kernels = Run(false), host = Run(true);
            string name = create() is HamiltonianMonteCarlo ? "HMC" : "MALA";
            Assert.That(host[^1], Is.EqualTo(kernels[^1]), $"{name}: the same accept decisions");
            Assert.That(kernels.Zip(host, (u, v) => MathF.Abs(u - v) / MathF.Max(1f, MathF.Abs(u))).Max(), Is.LessThan(1e-3), name);
        }
    }

    [Test]
    public void BothScratchLayouts_GiveIdenticalResults()
    {
        // The device picks one layout (unit-major on GPUs, sample-major on the CPU); the arithmetic is the same in both.
        using var model = new NeuralNetworkModel(new MLP(Device, 3, [9, 6], 1, Activation.GELU, seed: 8));
        using Tensor x = Device.Randn(21, 3, seed: 2);
        model.FusedKernels!.OnHost = false;
        float[][] Run(bool unitMajor)
        {
            model.FusedKernels!.UnitMajor = unitMajor;
            using Tensor e = model.Forward(x);
            using Tensor g = model.Gradient(x);
            using Tensor s = new LangevinDynamics(model, 0.05f, 0.5f, seed: 3).Sample(dim: 3, nSteps: 6, nSamples: 17);
            return [e.ToArray(), g.ToArray(), s.ToArray()];
        }
        float[][] sampleMajor = Run(false), unitMajor = Run(true);
        for (int i = 0; i < 3; i++) Assert.That(unitMajor[i], Is.EqualTo(sampleMajor[i]), $"output {i}");
    }

    [Test]
    public void OptimizerSteps_AreSeenByTheNextCall()
    {
        using var model = new NeuralNetworkModel(new MLP(Device, 2, [8], 1, Activation.Tanh, seed: 2));
        using Tensor x = Device.Randn(16, 2, seed: 4);
        using Tensor before = model.Forward(x);
        using (var sgd = new Sgd(model.Parameters(), 0.5f))
        {
            using (Var input = Var.Borrowed(x))
            using (Var total = model.Energies(input).Sum())
                total.Backward();
            sgd.Step();
        }
        using Tensor after = model.Forward(x);
        (float[] expected, _) = OnTape(model, x);
        Assert.That(after.ToArray(), Is.Not.EqualTo(before.ToArray()));
        Assert.That(FiniteDifferences.RelativeError(after.ToArray(), expected.Select(v => (double)v).ToArray()), Is.LessThan(1e-5));
    }

    [Test]
    public void OnlyPlainScalarMlps_AreFused()
    {
        Assert.Multiple(() =>
        {
            Assert.That(IsFused(new MLP(Device, 2, [4], 3)), Is.False, "three outputs");
            Assert.That(IsFused(new Sequential(new Linear(Device, 2, 4), new ActivationLayer(Device, Activation.ReLU),
                new Linear(Device, 4, 4), new ActivationLayer(Device, Activation.Tanh), new Linear(Device, 4, 1))), Is.False, "mixed activations");
            Assert.That(IsFused(new Sequential(new Linear(Device, 2, 4), new Linear(Device, 4, 1))), Is.False, "no activation between");
            Assert.That(IsFused(new Sequential(new Linear(Device, 2, 4), new ActivationLayer(Device, Activation.GELU),
                new Linear(Device, 4, 1))), Is.True, "a hand-built plain MLP");
            Assert.That(IsFused(new Linear(Device, 2, 1)), Is.False, "a bare layer is not a Sequential");
        });
    }

    /// <summary>Switches the model to the host twin or the kernels; the host twin exists only on the CPU with 256-bit SIMD.</summary>
    private void UseHost(NeuralNetworkModel model, bool onHost)
    {
        if (onHost) Assume.That(Device.Kind == DeviceKind.Cpu && TorchEbm.Networks.CpuMlp.IsSupported, "the host twin runs on the CPU only");
        model.FusedKernels!.OnHost = onHost;
    }

    private bool IsFused(Module network)
    {
        using var model = new NeuralNetworkModel(network);
        return model.IsFused;
    }

    /// <summary>Energies and input gradients computed through the autodiff tape.</summary>
    private static (float[] Energies, float[] Gradient) OnTape(NeuralNetworkModel model, Tensor x)
    {
        using Var input = Var.Borrowed(x, requiresGrad: true);
        using Var energies = model.Energies(input);
        using Var total = energies.Sum();
        using Tensor gradient = Tape.Grad(total, input);
        return (energies.Value.ToArray(), gradient.ToArray());
    }
}

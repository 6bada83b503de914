using System.Runtime.Intrinsics;
using TorchEbm.Autodiff;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Tests.Posteriors;
using TorchEbm.Tests.Support;
using TorchEbm.Traced;

namespace TorchEbm.Tests.Models;

/// <summary>
/// Models written in tape ops run traced: their energy is recorded once per dimension and interpreted per chain inside the
/// chain kernel. The traced energy and dE/dx equal the tape's, samplers on a traced model equal the step-by-step path, and
/// models that cannot be replayed per row keep the step-by-step path with a reason.
/// </summary>
public sealed class TracedEnergyTests(DeviceKind kind) : DeviceTest(kind)
{
    /// <summary>One element-wise function applied to scaled x, summed per row, with its function made by <paramref name="map"/>.</summary>
    private sealed class OneFunction(Device device, Func<Var, Var> map) : BaseModel(device)
    {
        public override int? Dim => 3;

        public override Var Energies(Var x) => map(0.5f * x + 1.5f).Sum(1);
    }

    /// <summary>A model built from a function, for the cases below.</summary>
    private BaseModel Model(int dim, Func<Var, Var> energy) => BaseModel.FromEnergy(Device, dim, energy);

    private static readonly float[] GaussianMean = [1f, -1f, 0.5f];
    private static readonly float[,] GaussianPrecision = { { 1.2f, -0.3f, 0f }, { -0.3f, 0.8f, 0.1f }, { 0f, 0.1f, 2f } };

    private OpGaussian Gaussian() => new(Device, GaussianMean, GaussianPrecision);

    /// <summary>Rows in (-1, 1) with a fixed seed.</summary>
    private Tensor Points(int rows, int dim, int seed = 5)
    {
        var random = new Random(seed);
        return Device.FromArray([.. Enumerable.Range(0, rows * dim).Select(_ => (float)(random.NextDouble() * 2 - 1))], rows, dim);
    }

    /// <summary>
    /// The traced energies and gradients at 33 rows equal the tape's within 4 float32 ulps of the larger terms (the same
    /// formulas; only summation order and fused multiply-adds may differ).
    /// </summary>
    private void AssertTracedMatchesTape(BaseModel model, int dim, float tolerance = 1e-5f)
    {
        TracedEnergySource traced = model.TracedSource ?? throw new AssertionException("The model has no traced source.");
        Assert.That(traced.Traces(dim), Is.True, traced.Status(dim));
        using Tensor x = Points(33, dim);
        using Tensor energies = traced.Energies(x), tape = model.Forward(x);
        using Tensor gradients = traced.Gradients(x), tapeGradients = model.Gradient(x);
        AssertClose(energies.ToArray(), tape.ToArray(), tolerance, "energy");
        AssertClose(gradients.ToArray(), tapeGradients.ToArray(), tolerance, "dE/dx");
    }

    private static void AssertClose(float[] actual, float[] expected, float tolerance, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length));
        for (int i = 0; i < actual.Length; i++)
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(tolerance * Math.Max(1f, Math.Abs(expected[i]))), $"{what}[{i}]");
    }

    [Test]
    public void OpRosenbrock_TracedEnergyAndGradient_EqualTheTape()
    {
        using var model = new OpRosenbrock(Device);
        AssertTracedMatchesTape(model, dim: 5);
        AssertTracedMatchesTape(model, dim: 2); // another dimension: traced anew
    }

    [Test]
    public void OpGaussian_TracedEnergyAndGradient_EqualTheTape()
    {
        using OpGaussian model = Gaussian();
        AssertTracedMatchesTape(model, dim: 3);
        Assert.That(model.IsTraced, Is.True, model.TraceStatus);
        Assert.That(model.TraceStatus, Does.Contain("runs traced"));
    }

    /// <summary>Every element-wise function a program applies (one generated case per <see cref="UnaryCode"/>).</summary>
    private static IEnumerable<TestCaseData> Functions() =>
        Enum.GetValues<UnaryCode>().Select(code => new TestCaseData(code).SetArgDisplayNames(code.ToString()));

    /// <summary>The tape op of <paramref name="code"/> on a domain where it is smooth (inputs 0.5 x + 1.5 lie in (1, 2)).</summary>
    private static Func<Var, Var> MapFor(UnaryCode code) =>
        code switch
        {
            UnaryCode.Square => v => v.Square(),
            UnaryCode.Exp => v => v.Exp(),
            UnaryCode.Log => v => v.Log(),
            UnaryCode.Power => v => v.Pow(2.5f),
            UnaryCode.Sqrt => v => v.Sqrt(),
            UnaryCode.Abs => v => (v - 1.5f).Abs(),
            UnaryCode.Sin => v => v.Sin(),
            UnaryCode.Cos => v => v.Cos(),
            UnaryCode.Tanh => v => v.Tanh(),
            UnaryCode.Sigmoid => v => v.Sigmoid(),
            UnaryCode.Softplus => v => v.Softplus(),
            UnaryCode.ReLU => v => (v - 1.5f).Apply(Activation.ReLU),
            UnaryCode.LeakyReLU => v => (v - 1.5f).Apply(Activation.LeakyReLU),
            UnaryCode.ELU => v => (v - 1.5f).Apply(Activation.ELU),
            UnaryCode.GELU => v => (v - 1.5f).Apply(Activation.GELU),
            UnaryCode.SiLU => v => (v - 1.5f).Apply(Activation.SiLU),
            _ => throw new ArgumentOutOfRangeException(nameof(code)),
        };

    [TestCaseSource(nameof(Functions))]
    public void ElementwiseFunction_TracedEnergyAndGradient_EqualTheTape(UnaryCode code)
    {
        using var model = new OneFunction(Device, MapFor(code));
        AssertTracedMatchesTape(model, dim: 3);
    }

    /// <summary>f in float64 for each code (System.Math and MathNet's erf), the reference the traced derivatives are checked against.</summary>
    private static double Reference(UnaryCode code, double v) => code switch
    {
        UnaryCode.Square => v * v,
        UnaryCode.Exp => Math.Exp(v),
        UnaryCode.Log => Math.Log(v),
        UnaryCode.Power => Math.Pow(v, 2.5),
        UnaryCode.Sqrt => Math.Sqrt(v),
        UnaryCode.Abs => Math.Abs(v - 1.5),
        UnaryCode.Sin => Math.Sin(v),
        UnaryCode.Cos => Math.Cos(v),
        UnaryCode.Tanh => Math.Tanh(v),
        UnaryCode.Sigmoid => 1 / (1 + Math.Exp(-v)),
        UnaryCode.Softplus => Math.Log(1 + Math.Exp(v)),
        UnaryCode.ReLU => Math.Max(0, v - 1.5),
        UnaryCode.LeakyReLU => v - 1.5 > 0 ? v - 1.5 : 0.01 * (v - 1.5),
        UnaryCode.ELU => v - 1.5 > 0 ? v - 1.5 : Math.Exp(v - 1.5) - 1,
        UnaryCode.GELU => 0.5 * (v - 1.5) * (1 + MathNet.Numerics.SpecialFunctions.Erf((v - 1.5) / Math.Sqrt(2))),
        UnaryCode.SiLU => (v - 1.5) / (1 + Math.Exp(-(v - 1.5))),
        _ => throw new ArgumentOutOfRangeException(nameof(code)),
    };

    /// <summary>
    /// The traced dE/dx of sum_i f(0.5 x_i + 1.5) against central differences of its float64 reference (h = 1e-6, error
    /// O(h^2) plus rounding ~1e-10 / h, both far below the float32 tolerance 2e-5 relative); points stay 0.05 away from the kinks
    /// of Abs and the ReLUs (at x = 0).
    /// </summary>
    [TestCaseSource(nameof(Functions))]
    public void ElementwiseFunction_TracedGradient_EqualsFloat64FiniteDifferences(UnaryCode code)
    {
        using var model = new OneFunction(Device, MapFor(code));
        float[] points = [-0.9f, -0.4f, -0.05f, 0.05f, 0.3f, 0.85f];
        using Tensor x = Device.FromArray(points, 2, 3);
        using Tensor gradients = model.TracedSource!.Gradients(x);
        float[] traced = gradients.ToArray();
        const double h = 1e-6;
        for (int i = 0; i < points.Length; i++)
        {
            double at = points[i];
            double fd = (Reference(code, 0.5 * (at + h) + 1.5) - Reference(code, 0.5 * (at - h) + 1.5)) / (2 * h);
            Assert.That(traced[i], Is.EqualTo(fd).Within(2e-5 * Math.Max(1, Math.Abs(fd))), $"dE/dx at {at}");
        }
    }

    /// <summary>Broadcasting arithmetic in each of its forms (same shape, column against row, rank-1 data rows, scalars, bias).</summary>
    [Test]
    public void BroadcastArithmetic_TracedEnergyAndGradient_EqualTheTape()
    {
        using Tensor row = Device.FromArray([0.5f, -1f, 2f, 0.25f], 4), bias = Device.FromArray([0.1f, 0.2f, 0.3f], 3);
        using BaseModel model = Model(3, x =>
        {
            Var c = x.Columns(1, 1), data = Var.Constant(row);
            Var a = (c - data) / (x.Column(0).Reshape(x.Shape[0], 1).Exp() + 1f) * data;       // (n, 1) against (4)
            Var b = x * x / (2f + x.Square()) - x.AddBias(Var.Constant(bias)) * 3f; // same shapes, bias, scalars
            Var joined = Var.Concat([a, b, x.Columns(2, 1)], dim: 1);
            return joined.Square().Sum(1) + (1f - joined).Mean(1);
        });
        AssertTracedMatchesTape(model, dim: 3);
    }

    /// <summary>
    /// One-row column slices (of x and of a constant) are read in place: the program keeps no Gather
    /// (<see cref="ProgramRewrite.AliasRowSlices"/>), and its energies and gradients still equal the tape's.
    /// </summary>
    [Test]
    public void ColumnSlices_AreReadInPlace_AndEqualTheTape()
    {
        using Tensor data = Device.FromArray([0.5f, -1f, 2f, 0.25f], 1, 4);
        using BaseModel model = Model(3, x => (x.Columns(1, 2) * Var.Constant(data).Columns(2, 2)).Sum(1) + x.Columns(0, 1).Square().Sum(1));
        AssertTracedMatchesTape(model, dim: 3);
        EnergyProgram program = model.TracedSource!.ProgramFor(3)!;
        int[] ops = [.. Enumerable.Range(0, program.Length).Select(n => program.Code[n * Instruction.Width + Instruction.Op] & Instruction.OpMask)];
        Assert.That(ops, Has.None.EqualTo((int)TracedOp.Gather));
        Assert.That(ops, Has.Length.EqualTo(5)); // *, Square, Sum, Sum, +
    }

    /// <summary>Every posteriordb model of the catalogue (not a hand-picked list).</summary>
    private static IEnumerable<TestCaseData> CataloguePosteriors() => PosteriorCatalogue.Names.Select(name => new TestCaseData(name).SetArgDisplayNames(name));

    /// <summary>
    /// Every posteriordb model written in tape ops either runs traced with the tape's energies and gradients, or says why
    /// not: only an op without an instruction (a batched Cholesky) may keep the step-by-step path.
    /// </summary>
    [TestCaseSource(nameof(CataloguePosteriors))]
    public void Posterior_TracedEnergyAndGradient_EqualTheTape(string posterior)
    {
        using PosteriorModel model = PosteriorCatalogue.Create(posterior, Device);
        if (!model.IsTraced)
        {
            Assert.That(model.TraceStatus, Does.Contain("Cholesky"), "a posterior that is not traced names the op that stops it");
            return;
        }
        AssertTracedMatchesTape(model, model.Dimension, tolerance: 1e-4f);
    }

    /// <summary>
    /// Samples of <paramref name="sampler"/> on a traced model and on the same model step by step through the tape (same seed,
    /// same noise). Both evaluate the same float32 formulas, differing by a few ulps per evaluation (summation order, fused
    /// multiply-adds); on the Gaussian every step is a contraction or a symplectic map, so those differences stay of the order
    /// of (evaluations x 4 ulps x |x|), below <paramref name="tolerance"/>, unless an accept decision falls within that of its
    /// threshold (chance ~1e-5 per decision).
    /// </summary>
    private void AssertSamplerMatchesStepByStep(Func<BaseModel, Sampler> sampler, int steps, float tolerance)
    {
        using OpGaussian traced = Gaussian(), tape = Gaussian();
        tape.Tracing = false;
        Assert.That(sampler(traced).Source, Is.InstanceOf<TracedEnergySource>());
        Assert.That(sampler(tape).Source, Is.Null);
        using Tensor a = sampler(traced).Sample(dim: 3, nSteps: steps, nSamples: 64), b = sampler(tape).Sample(dim: 3, nSteps: steps, nSamples: 64);
        float[] fused = a.ToArray(), stepwise = b.ToArray();
        for (int i = 0; i < fused.Length; i++)
            Assert.That(fused[i], Is.EqualTo(stepwise[i]).Within(tolerance * Math.Max(1f, Math.Abs(stepwise[i]))), $"sample element {i}");
    }

    [Test]
    public void Langevin_OnATracedModel_EqualsStepByStep() =>
        AssertSamplerMatchesStepByStep(m => new LangevinDynamics(m, stepSize: 0.05f, seed: 7), steps: 50, tolerance: 1e-4f);

    [Test]
    public void Mala_OnATracedModel_EqualsStepByStep() =>
        AssertSamplerMatchesStepByStep(m => new MetropolisAdjustedLangevin(m, stepSize: 0.2f, seed: 7), steps: 30, tolerance: 1e-4f);

    [Test]
    public void Hmc_OnATracedModel_EqualsStepByStep() =>
        AssertSamplerMatchesStepByStep(m => new HamiltonianMonteCarlo(m, stepSize: 0.2f, nLeapfrogSteps: 5, seed: 7), steps: 10, tolerance: 1e-3f);

    /// <summary>
    /// On the CPU a transition without a lane twin (Nesterov's accelerated descent) runs its traced chains as host code over
    /// the kernel's own per-chain body: the same samples, bit for bit, as the kernel on the CPU accelerator. (Langevin, MALA,
    /// HMC and NUTS run their lane twins: CpuChainsTests.)
    /// </summary>
    [Test]
    public void HostLoop_EqualsTheKernel_BitForBit()
    {
        if (Device.Kind != DeviceKind.Cpu) Assert.Ignore("The host loop runs on the CPU device only.");
        using OpGaussian model = Gaussian();
        TracedEnergySource source = model.TracedSource!;
        float[] Run(bool host)
        {
            source.HostSimd = host;
            using Tensor samples = new NesterovSampler(model, stepSize: 0.05f, momentum: 0.8f, seed: 3).Sample(dim: 3, nSteps: 5, nSamples: 37);
            return samples.ToArray();
        }
        Assert.That(Run(host: true), Is.EqualTo(Run(host: false)));
    }

    /// <summary>
    /// The host twin <see cref="TracedLanes"/> (eight chains per vector) gives the kernel's energies and gradients bit for
    /// bit, lane by lane: for every element-wise function, for posteriors using broadcasting, products and
    /// concatenation, and for a mixture's LogSumExp(1).
    /// </summary>
    [TestCaseSource(nameof(LaneCases))]
    public void HostLanes_EqualTheKernel_BitForBit(string name)
    {
        if (Device.Kind != DeviceKind.Cpu) Assert.Ignore("The host twin runs on the CPU device only.");
        using BaseModel model = name.Contains('-') ? PosteriorCatalogue.Create(name, Device)
            : name == "mixture" ? new Mixture(Device)
            : new OneFunction(Device, MapFor(Enum.Parse<UnaryCode>(name)));
        int dim = model.Dim!.Value;
        TracedEnergySource source = model.TracedSource!;
        EnergyProgram program = source.ProgramFor(dim) ?? throw new AssertionException(source.Status(dim));
        using Tensor pool = Device.Allocate([program.PoolLength]), x = Points(8, dim, seed: 9);
        program.FillPool(pool, model.GetType().Name);
        using Tensor energies = source.Energies(x), gradients = source.Gradients(x);
        float[] rows = x.ToArray(), kernelEnergies = energies.ToArray(), kernelGradients = gradients.ToArray();
        var lanesX = new Vector256<float>[dim];
        var lanesGradient = new Vector256<float>[dim];
        for (int i = 0; i < dim; i++) lanesX[i] = Vector256.Create([.. Enumerable.Range(0, 8).Select(l => rows[l * dim + i])]);
        var lanes = new TracedLanes(program, pool.ToArray());
        Vector256<float> laneEnergies = lanes.EnergyAndGradient(lanesX, lanesGradient, energy: true);
        for (int l = 0; l < 8; l++)
        {
            Assert.That(laneEnergies.GetElement(l), Is.EqualTo(kernelEnergies[l]), $"energy of lane {l}");
            for (int i = 0; i < dim; i++) Assert.That(lanesGradient[i].GetElement(l), Is.EqualTo(kernelGradients[l * dim + i]), $"dE/dx{i} of lane {l}");
        }
    }

    private static IEnumerable<TestCaseData> LaneCases() =>
        Enum.GetNames<UnaryCode>().Concat(["eight_schools-eight_schools_noncentered", "kidiq-kidscore_interaction", "arma-arma11", "mixture"])
            .Select(n => new TestCaseData(n).SetArgDisplayNames(n));

    /// <summary>
    /// A traced program compiled to host code (<see cref="TracedCompiler"/>) gives the interpreter's energies and gradients
    /// and the kernel's, bit for bit, lane by lane: on every traced model these tests use, and on programs generated to
    /// cover each op and layout (broadcasting, column slices and concatenation, products in both layouts and with a
    /// computed right factor, reductions of constants, a negative-zero scale whose gradient 0 + (-0) must stay +0, a program
    /// cut into several methods, the benchmark's 8-D Rosenbrock in one and its 10-D Gaussian, log-sum-exps: the mixture, one
    /// over a broadcast row, one of a constant, a wide one cut into several methods). Points include ones far from the checks' own, so no op runs only on easy inputs. Posteriors
    /// beyond the size rule check that the interpreter they keep equals the kernel.
    /// </summary>
    [TestCaseSource(nameof(CompiledCases))]
    public void CompiledHostCode_EqualsTheInterpreterAndTheKernel_BitForBit(string name)
    {
        if (Device.Kind != DeviceKind.Cpu) Assert.Ignore("The host twin runs on the CPU device only.");
        (BaseModel model, int dim) = CompiledCase(name);
        using (model)
        {
            TracedEnergySource source = model.TracedSource!;
            EnergyProgram program = source.ProgramFor(dim) ?? throw new AssertionException(source.Status(dim));
            using Tensor pool = Device.Allocate([program.PoolLength]), x = Points(8, dim, seed: 9);
            program.FillPool(pool, model.GetType().Name);
            using Tensor energies = source.Energies(x), gradients = source.Gradients(x);
            var compiled = new TracedLanes(program, pool.ToArray());
            var interpreted = new TracedLanes(program, pool.ToArray(), compile: false);
            Assert.That(compiled.IsCompiled, Is.EqualTo(!Interpreted.Contains(name)), TracedLanes.HostPath(program));
            Assert.That(interpreted.IsCompiled, Is.False);
            if (name is "rosenbrock-32" or "functions-24" or "logsumexp-wide") Assert.That(compiled.CompiledMethods, Is.GreaterThan(1), "a program this long is cut into several methods");
            if (name is "rosenbrock-8") Assert.That(compiled.CompiledMethods, Is.EqualTo(1), "the benchmark's 8-D Rosenbrock fits one method (locals reused)");
            AssertLanesEqual(compiled, interpreted, x.ToArray(), energies.ToArray(), gradients.ToArray(), dim);
            using Tensor far = Device.FromArray([.. x.ToArray().Select(v => 7f * v)], 8, dim); // also outside the checks' (-1, 1)
            using Tensor farEnergies = source.Energies(far), farGradients = source.Gradients(far);
            AssertLanesEqual(compiled, interpreted, far.ToArray(), farEnergies.ToArray(), farGradients.ToArray(), dim);
        }
    }

    /// <summary>Eight rows through both host twins, each lane against the kernel's row, compared as bits (NaN payloads, signed zeros).</summary>
    private static void AssertLanesEqual(TracedLanes compiled, TracedLanes interpreted, float[] rows, float[] kernelEnergies, float[] kernelGradients, int dim)
    {
        var x = new Vector256<float>[dim];
        var compiledGradient = new Vector256<float>[dim];
        var interpretedGradient = new Vector256<float>[dim];
        for (int i = 0; i < dim; i++) x[i] = Vector256.Create([.. Enumerable.Range(0, 8).Select(l => rows[l * dim + i])]);
        Vector256<float> compiledEnergies = compiled.EnergyAndGradient(x, compiledGradient, energy: true);
        Vector256<float> interpretedEnergies = interpreted.EnergyAndGradient(x, interpretedGradient, energy: true);
        static int Bits(float v) => BitConverter.SingleToInt32Bits(v);
        for (int l = 0; l < 8; l++)
        {
            Assert.That(Bits(compiledEnergies.GetElement(l)), Is.EqualTo(Bits(interpretedEnergies.GetElement(l))), $"energy of lane {l}: compiled against interpreted");
            Assert.That(Bits(compiledEnergies.GetElement(l)), Is.EqualTo(Bits(kernelEnergies[l])), $"energy of lane {l}: compiled against the kernel");
            for (int i = 0; i < dim; i++)
            {
                Assert.That(Bits(compiledGradient[i].GetElement(l)), Is.EqualTo(Bits(interpretedGradient[i].GetElement(l))), $"dE/dx{i} of lane {l}: compiled against interpreted");
                Assert.That(Bits(compiledGradient[i].GetElement(l)), Is.EqualTo(Bits(kernelGradients[l * dim + i])), $"dE/dx{i} of lane {l}: compiled against the kernel");
            }
        }
    }

    private static readonly string[] Posteriors =
    [
        "eight_schools-eight_schools_noncentered", "arK-arK", "kidiq-kidscore_momiq", "kidiq-kidscore_interaction", "arma-arma11",
        "low_dim_gauss_mix-low_dim_gauss_mix",
    ];

    /// <summary>Posteriors whose programs exceed the size rule (thousands of element operations over their data): their host twin interprets.</summary>
    private static readonly string[] Interpreted =
        ["arK-arK", "kidiq-kidscore_momiq", "kidiq-kidscore_interaction", "arma-arma11", "low_dim_gauss_mix-low_dim_gauss_mix"];

    private static IEnumerable<TestCaseData> CompiledCases() =>
        new[]
            {
                "rosenbrock-2", "rosenbrock-8", "rosenbrock-32", "gaussian", "gaussian-10", "broadcast", "slices", "matmul", "matmul-transposed",
                "matmul-computed-right", "constant-reductions", "negative-zero", "functions-24", "mixture", "logsumexp-broadcast", "logsumexp-wide",
                "logsumexp-constant",
            }
            .Concat(Enum.GetNames<UnaryCode>()).Concat(Posteriors)
            .Select(n => new TestCaseData(n).SetArgDisplayNames(n));

    /// <summary>The model and dimension of a compiled-code case.</summary>
    private (BaseModel Model, int Dim) CompiledCase(string name)
    {
        float[,] w = { { 0.5f, -1f, 0.25f, 2f }, { 1.5f, 0.1f, -0.7f, 0.3f }, { -0.2f, 0.9f, 1.1f, -1.3f } }; // (3, 4)
        float[,] wt = { { 0.5f, 1.5f, -0.2f }, { -1f, 0.1f, 0.9f }, { 0.25f, -0.7f, 1.1f }, { 2f, 0.3f, -1.3f } }; // w transposed
        switch (name)
        {
            case "rosenbrock-2": return (new OpRosenbrock(Device), 2);
            case "rosenbrock-8": return (new OpRosenbrock(Device), 8);
            case "rosenbrock-32": return (new OpRosenbrock(Device), 32);
            case "gaussian": return (Gaussian(), 3);
            case "gaussian-10": // the benchmark's: mean 0.1 i, tridiagonal precision (2 on the diagonal, -0.9 beside it)
            {
                var precision = new float[10, 10];
                for (int r = 0; r < 10; r++)
                for (int c = 0; c < 10; c++) precision[r, c] = r == c ? 2f : Math.Abs(r - c) == 1 ? -0.9f : 0f;
                return (new OpGaussian(Device, [.. Enumerable.Range(0, 10).Select(i => 0.1f * i)], precision), 10);
            }
            case "broadcast":
                return (Model(3, x =>
                {
                    Var c = x.Columns(1, 1), data = Var.Constant(Owned(Device.FromArray([0.5f, -1f, 2f, 0.25f], 4))), bias = Var.Constant(Owned(Device.FromArray([0.1f, 0.2f, 0.3f], 3)));
                    Var a = (c - data) / (x.Column(0).Reshape(x.Shape[0], 1).Exp() + 1f) * data;
                    Var b = x * x / (2f + x.Square()) - x.AddBias(bias) * 3f;
                    Var joined = Var.Concat([a, b, x.Columns(2, 1)], dim: 1);
                    return joined.Square().Sum(1) + (1f - joined).Mean(1);
                }), 3);
            case "slices":
                return (Model(3, x => (x.Columns(1, 2) * Var.Constant(Owned(Device.FromArray([0.5f, -1f, 2f, 0.25f], 1, 4))).Columns(2, 2)).Sum(1) + x.Columns(0, 1).Square().Sum(1)), 3);
            case "matmul": return (Model(3, x => x.MatMul(Var.Constant(Owned(Device.FromArray(w)))).Tanh().Sum(1)), 3);
            case "matmul-transposed": return (Model(3, x => x.MatMulTransposed(Var.Constant(Owned(Device.FromArray(wt)))).Square().Mean(1)), 3);
            case "matmul-computed-right": // the right factor is a value computed from constants (its adjoints are never read)
                return (Model(3, x => x.Sin().MatMul(Var.Constant(Owned(Device.FromArray(w))) * 2f + 1f).Softplus().Sum(1)), 3);
            case "constant-reductions": // reductions and slices of a constant: instructions that do not read x
            {
                Var m = Var.Constant(Owned(Device.FromArray(w)));
                return (Model(3, x => (x.Square() * m.Columns(1, 3).Mean(1).Reshape(1, 3)).Sum(1) + m.Sum() * x.Column(0)), 3);
            }
            case "functions-24": // element-wise functions over a long row: cut into several methods
                return (Model(24, x => ((x.Tanh() * x.Sigmoid() + x.Softplus()).Apply(Activation.GELU) - x.Sin() * x.Cos()).Square().Sum(1)), 24);
            case "negative-zero": return (Model(2, x => (x * -0f).Sum(1) + x.Column(1).Abs() * 0f), 2);
            case "mixture": return (new Mixture(Device), 2);
            case "logsumexp-broadcast": // LogSumExp(1) over a row made by broadcasting a column against a constant row and a per-row sum
                return (Model(3, x =>
                {
                    int n = x.Shape[0];
                    Var scores = x.Column(0).Reshape(n, 1) * Var.Constant(Owned(Device.FromArray([0.5f, -1f, 2f, 0.25f], 1, 4))) + x.Columns(1, 2).Sum(1).Reshape(n, 1);
                    return scores.LogSumExp(1) + 0.5f * x.Square().Sum(1);
                }), 3);
            case "logsumexp-constant": // LogSumExp(1) of a constant row: terms read from the pool, an instruction that does not read x
                return (Model(3, x => (x.Square() * Var.Constant(Owned(Device.FromArray([0.5f, -1f, 2f, 0.25f], 1, 4))).LogSumExp(1).Reshape(1, 1)).Sum(1)), 3);
            case "logsumexp-wide": // twelve terms per row, each differentiated through a lane-by-lane Exp: cut into several methods
            {
                var weights = new float[6, 12];
                for (int r = 0; r < 6; r++)
                for (int c = 0; c < 12; c++) weights[r, c] = MathF.Sin(1.7f * r + 0.9f * c);
                return (Model(6, x => (x.MatMul(Var.Constant(Owned(Device.FromArray(weights)))) - 0.5f * x.Square().Sum(1).Reshape(x.Shape[0], 1)).LogSumExp(1)), 6);
            }
            default:
                return name.Contains('-')
                    ? ((BaseModel Model, int Dim))(PosteriorCatalogue.Create(name, Device) is var p ? (p, p.Dimension) : default)
                    : (new OneFunction(Device, MapFor(Enum.Parse<UnaryCode>(name))), 3);
        }
    }

    private readonly List<Tensor> _owned = [];

    /// <summary>A tensor a case's energy holds, freed when the fixture ends.</summary>
    private Tensor Owned(Tensor t)
    {
        _owned.Add(t);
        return t;
    }

    [OneTimeTearDown]
    public void FreeOwned()
    {
        foreach (Tensor t in _owned) t.Dispose();
    }

    /// <summary>
    /// A program beyond the size rule keeps the interpreter, and the model's status says which way the CPU runs it; a
    /// compiled one says so too.
    /// </summary>
    [Test]
    public void ProgramBeyondTheSizeRule_KeepsTheInterpreter()
    {
        const int d = 100;
        float[,] c = new float[d, d];
        for (int i = 0; i < d; i++) c[i, i] = 1f + 0.01f * i;
        using Tensor matrix = Device.FromArray(c);
        using BaseModel large = Model(d, x => x.MatMul(Var.Constant(matrix)).Square().Sum(1)); // 10^4 products each way
        using BaseModel small = Model(d, x => x.Square().Sum(1));
        Assert.That(large.IsTraced, Is.True, large.TraceStatus);
        Assert.That(large.TraceStatus, Does.Contain("interpreted on the CPU").And.Contain("element operations"));
        Assert.That(small.TraceStatus, Does.Contain("compiled to host code on the CPU"));
        EnergyProgram program = large.TracedSource!.ProgramFor(d)!;
        using Tensor pool = Device.Allocate([program.PoolLength]);
        program.FillPool(pool, "large");
        Assert.That(new TracedLanes(program, pool.ToArray()).IsCompiled, Is.False);
    }

    /// <summary>Threads asking for one program's compiled code at once all get it (compiled once) and the same results.</summary>
    [Test]
    public void CompiledCode_IsMadeOnceForThreadsAskingAtOnce()
    {
        if (Device.Kind != DeviceKind.Cpu) Assert.Ignore("The host twin runs on the CPU device only.");
        using OpGaussian model = Gaussian();
        EnergyProgram program = model.TracedSource!.ProgramFor(3)!;
        using Tensor pool = Device.Allocate([program.PoolLength]);
        program.FillPool(pool, nameof(OpGaussian));
        float[] constants = pool.ToArray();
        var x = new Vector256<float>[] { Vector256.Create(0.5f), Vector256.Create(-1f), Vector256.Create(2f) };
        var energies = new float[8];
        Parallel.For(0, energies.Length, t =>
        {
            var lanes = new TracedLanes(program, constants);
            energies[t] = lanes.IsCompiled ? lanes.EnergyAndGradient(x, new Vector256<float>[3], energy: true).GetElement(0) : float.NaN;
        });
        Assert.That(energies, Has.All.EqualTo(energies[0]).And.All.Matches<float>(float.IsFinite));
    }

    /// <summary>
    /// MALA (100 steps) and HMC (30 transitions) on the traced Gaussian sample it exactly: 1000 independent chains, each coordinate's mean within 4.5
    /// standard errors of m (sd sqrt(Sigma_ii / n)) and its variance within 4.5 standard errors of Sigma_ii (sd Sigma_ii
    /// sqrt(2 / n)); a false alarm has probability below 1e-4 over the six checks per sampler.
    /// </summary>
    [TestCase("MALA")]
    [TestCase("HMC")]
    [Category("Slow")]
    public void TracedGaussian_IsSampledExactly(string algorithm)
    {
        const int n = 1000;
        using OpGaussian model = Gaussian();
        Sampler sampler = algorithm == "MALA"
            ? new MetropolisAdjustedLangevin(model, stepSize: 0.25f, seed: 11)
            : new HamiltonianMonteCarlo(model, stepSize: 0.3f, nLeapfrogSteps: 8, seed: 11);
        Assert.That(model.IsTraced, Is.True, model.TraceStatus);
        using Tensor samples = sampler.Sample(dim: 3, nSteps: algorithm == "MALA" ? 100 : 30, nSamples: n);
        float[,] x = samples.ToArray2D();
        double[,] covariance = Inverse3(GaussianPrecision);
        for (int j = 0; j < 3; j++)
        {
            float[] column = [.. Enumerable.Range(0, n).Select(i => x[i, j])];
            double variance = covariance[j, j];
            Assert.That(Statistics.Mean(column), Is.EqualTo(GaussianMean[j]).Within(4.5 * Math.Sqrt(variance / n)), $"mean of x{j}");
            Assert.That(Statistics.Variance(column), Is.EqualTo(variance).Within(4.5 * variance * Math.Sqrt(2.0 / n)), $"variance of x{j}");
        }
    }

    private static double[,] Inverse3(float[,] m)
    {
        double a = m[0, 0], b = m[0, 1], c = m[0, 2], d = m[1, 0], e = m[1, 1], f = m[1, 2], g = m[2, 0], h = m[2, 1], k = m[2, 2];
        double det = a * (e * k - f * h) - b * (d * k - f * g) + c * (d * h - e * g);
        return new[,]
        {
            { (e * k - f * h) / det, (c * h - b * k) / det, (b * f - c * e) / det },
            { (f * g - d * k) / det, (a * k - c * g) / det, (c * d - a * f) / det },
            { (d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det },
        };
    }

    /// <summary>A model whose energy records different ops at each call (its structure changes between calls).</summary>
    private sealed class Changing(Device device) : BaseModel(device)
    {
        private int _calls;

        public override int? Dim => 2;

        public override Var Energies(Var x) => _calls++ % 2 == 0 ? x.Square().Sum(1) : x.Abs().Sum(1);
    }

    /// <summary>A tape model that also defines Forward (samplers must call it, so it is not traced).</summary>
    private sealed class WithForward(Device device) : BaseModel(device)
    {
        public override Var Energies(Var x) => x.Square().Sum(1);

        public override Tensor Forward(Tensor x)
        {
            using Var v = Energies(Var.Borrowed(x));
            return v.Value.Clone();
        }
    }

    [Test]
    public void OpThatMixesRows_KeepsTheStepByStepPath()
    {
        using BaseModel model = Model(2, x => x.Square().Sum(1) + x.Sum(0).Sum());
        Assert.That(model.IsTraced, Is.False);
        Assert.That(model.TraceStatus, Does.Contain("mixes rows"));
        using Tensor samples = new LangevinDynamics(model, stepSize: 0.01f).Sample(dim: 2, nSteps: 3, nSamples: 4);
        Assert.That(samples.ToArray(), Has.All.Matches<float>(float.IsFinite));
    }

    [Test]
    public void OpWithoutAnInstruction_KeepsTheStepByStepPath()
    {
        using BaseModel model = Model(4, x => x.Cholesky().Sum(1));
        Assert.That(model.IsTraced, Is.False);
        Assert.That(model.TraceStatus, Does.Contain("Cholesky is not traced"));
    }

    /// <summary>
    /// A three-component Gaussian mixture in 2-D: -log sum over k of w_k N(x; c_k, I), the components' log densities
    /// joined into columns and reduced by LogSumExp(1), which runs traced (on the CPU, compiled to host code).
    /// </summary>
    private sealed class Mixture(Device device) : BaseModel(device)
    {
        private readonly Tensor[] _centres = [device.FromArray([2f, 0f], 2), device.FromArray([-1f, 1.5f], 2), device.FromArray([0f, -3f], 2)];
        private static readonly float[] LogWeights = [MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.2f)];

        public override int? Dim => 2;

        public override Var Energies(Var x)
        {
            int n = x.Shape[0];
            Var[] components = [.. _centres.Select((c, k) => (LogWeights[k] - 0.5f * (x - Var.Constant(c)).Square().Sum(1)).Reshape(n, 1))];
            return -Var.Concat(components, dim: 1).LogSumExp(1);
        }

        public override void Dispose()
        {
            foreach (Tensor c in _centres) c.Dispose();
            base.Dispose();
        }
    }

    [Test]
    public void Mixture_LogSumExpRows_RunsTracedAndEqualsTheTape()
    {
        using var model = new Mixture(Device);
        AssertTracedMatchesTape(model, dim: 2);
        Assert.That(model.IsTraced, Is.True, model.TraceStatus);
        Assert.That(model.TraceStatus, Does.Contain("compiled to host code on the CPU"));
    }

    /// <summary>
    /// Row reductions of a constant matrix of several rows (its rows' sums and log-sum-exps weight x's squares): the kernel's
    /// interpreter reads each row of the constant pool where the tape does (a constant's resolved operand is not shifted by
    /// a row's offset), and the CPU lane twin equals the kernel bit for bit.
    /// </summary>
    [Test]
    public void RowReductionsOfAConstantMatrix_EqualTheTape_AndTheLanesEqualTheKernel()
    {
        Var m = Var.Constant(Owned(Device.FromArray(new[,] { { 0.5f, -1f, 0.25f, 2f }, { 1.5f, 0.1f, -0.7f, 0.3f }, { -0.2f, 0.9f, 1.1f, -1.3f } })));
        using BaseModel model = Model(3, x => (x.Square() * (m.LogSumExp(1) + 0.5f * m.Sum(1)).Reshape(1, 3)).Sum(1));
        AssertTracedMatchesTape(model, dim: 3);
        if (Device.Kind != DeviceKind.Cpu) return; // the lane twin runs on the CPU device only
        TracedEnergySource source = model.TracedSource!;
        EnergyProgram program = source.ProgramFor(3) ?? throw new AssertionException(source.Status(3));
        using Tensor pool = Device.Allocate([program.PoolLength]), x = Points(8, 3, seed: 9);
        program.FillPool(pool, model.GetType().Name);
        using Tensor energies = source.Energies(x), gradients = source.Gradients(x);
        var interpreted = new TracedLanes(program, pool.ToArray(), compile: false);
        var compiled = new TracedLanes(program, pool.ToArray());
        AssertLanesEqual(compiled, interpreted, x.ToArray(), energies.ToArray(), gradients.ToArray(), dim: 3);
    }

    [Test]
    public void EnergyWhoseStructureChanges_KeepsTheStepByStepPath()
    {
        using var model = new Changing(Device);
        Assert.That(model.IsTraced, Is.False);
        Assert.That(model.TraceStatus, Does.Contain("change between calls"));
    }

    [Test]
    public void ModelDefiningForward_IsNotTraced()
    {
        using var model = new WithForward(Device);
        Assert.That(model.IsTraced, Is.False);
        Assert.That(model.TraceStatus, Does.Contain("overrides Forward or Gradient"));
    }

    [Test]
    public void BuiltInModel_NeedsNoTrace()
    {
        using var model = new GaussianModel(Device, mean: [0f, 0f], cov: new float[,] { { 1f, 0f }, { 0f, 1f } });
        Assert.That(model.IsTraced, Is.False);
        Assert.That(model.TraceStatus, Does.Contain("built-in"));
    }

    [Test]
    public void ModelOfAnyDimension_IsTracedWhenFirstSampled()
    {
        using var model = new OpRosenbrock(Device);
        Assert.That(model.IsTraced, Is.False);
        Assert.That(model.TraceStatus, Does.Contain("first sampled"));
        using Tensor samples = new LangevinDynamics(model, stepSize: 1e-4f).Sample(dim: 4, nSteps: 2, nSamples: 8);
        Assert.That(model.IsTraced, Is.True, model.TraceStatus);
        Assert.That(model.TraceStatus, Does.StartWith("dimension 4"));
    }

    [Test]
    public void ConstantDisposedAfterTracing_ThrowsNamingTheModel()
    {
        using OpGaussian model = Gaussian();
        Assert.That(model.IsTraced, Is.True, model.TraceStatus);
        var sampler = new MetropolisAdjustedLangevin(model, stepSize: 0.1f);
        model.Precision.Dispose();
        var e = Assert.Throws<InvalidOperationException>(() => sampler.Sample(dim: 3, nSteps: 2, nSamples: 4));
        Assert.That(e!.Message, Does.Contain(nameof(OpGaussian)).And.Contain("disposed"));
    }

    /// <summary>The example of docs/articles/traced-energies.md: a banana from a function runs traced, and HMC samples it in one launch.</summary>
    [Test]
    public void DocumentedBanana_RunsTraced()
    {
        using BaseModel banana = BaseModel.FromEnergy(Device, 2, x =>
            x.Column(0).Square() / 8f + (x.Column(1) - 0.1f * x.Column(0).Square()).Square() / 2f);
        TestContext.Out.WriteLine(banana.TraceStatus);
        Assert.That(banana.IsTraced, Is.True, banana.TraceStatus);
        var hmc = new HamiltonianMonteCarlo(banana, stepSize: 0.2f, nLeapfrogSteps: 10, seed: 1);
        using Tensor samples = hmc.Sample(dim: 2, nSteps: 50, nSamples: 256);
        Assert.That(samples.ToArray(), Has.All.Matches<float>(float.IsFinite));
    }
}

using TorchEbm.Elementwise;

namespace TorchEbm.Autodiff;

/// <summary>
/// y = x W^T + b with PyTorch's layout and default initialisation: weight (out, in) and bias (out) uniform in
/// (-1/sqrt(in), 1/sqrt(in)) (Kaiming-uniform with a = sqrt 5), drawn from Philox keyed by the seed.
/// </summary>
public sealed class Linear : Module
{
    // Keys the bias draw apart from the weight draw of the same seed.
    private const long BiasSeedMix = unchecked((long)0x9E3779B97F4A7C15);

    /// <summary>Creates the layer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    public Linear(Device device, int inFeatures, int outFeatures, long seed = 0) : base(device)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        float bound = 1f / MathF.Sqrt(inFeatures);
        using (DisposeScope.Suspend()) // the layer owns its parameters
        {
            Weight = new Var(UniformSymmetric(device, [outFeatures, inFeatures], bound, seed), requiresGrad: true);
            try { Bias = new Var(UniformSymmetric(device, [outFeatures], bound, seed ^ BiasSeedMix), requiresGrad: true); }
            catch
            {
                Weight.Dispose();
                throw;
            }
        }
    }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }

    /// <summary>Output features.</summary>
    public int OutFeatures { get; }

    /// <summary>The weight, shape (out, in).</summary>
    public Var Weight { get; }

    /// <summary>The bias, shape (out).</summary>
    public Var Bias { get; }

    /// <inheritdoc />
    public override int? InputDim => InFeatures;

    /// <inheritdoc />
    internal override bool IsStatic => true;

    /// <inheritdoc />
    public override Var Forward(Var x)
    {
        CheckInput(x, InFeatures);
        Var product = x.MatMulTransposed(Weight);
        return product.AddBias(Bias);
    }

    /// <inheritdoc />
    public override IEnumerable<(string Name, Var Parameter)> NamedParameters() => [("weight", Weight), ("bias", Bias)];

    /// <summary>Uniforms in (-bound, bound).</summary>
    private static Tensor UniformSymmetric(Device device, int[] shape, float bound, long seed)
    {
        Tensor t = device.Rand(shape, seed);
        device.Launch(ElementwiseKernels.Affine, t.Length, t.View, t.View, 2f * bound, -bound);
        return t;
    }
}

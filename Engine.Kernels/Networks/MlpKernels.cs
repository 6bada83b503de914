using ILGPU.Algorithms;
using ILGPU;
using TorchEbm.Functions;
using TorchEbm.Launch;

namespace TorchEbm.Networks;

/// <summary>
/// A small MLP energy evaluated per sample inside one kernel: forward pass and input gradient, one work item per
/// sample. Through <see cref="MlpSource{TFn}"/> the same code gives chains their gradients, so a K-step chain is one
/// launch instead of K rounds of matrix-product, bias, activation and backward launches.
/// </summary>
/// <remarks>
/// Each sample keeps its hidden activations and activation derivatives in an <see cref="MlpScratch"/> (unit-major on
/// GPUs, so neighbouring threads touch neighbouring floats while all of them read the same weight). Sums run in index order, so results are deterministic; they differ from the tape's matrix products
/// only by float rounding.
/// </remarks>
public static class MlpKernels
{

    /// <summary>energies[c] = E(x[c, :]) for every sample c (work items: samples).</summary>
    // Each kernel is checked (PTX, ptxas) for the activations the tape offers, not for exp, log or square.
    [Kernel(Instantiations = [typeof(ReLU), typeof(LeakyReLU), typeof(Tanh), typeof(Sigmoid), typeof(Softplus), typeof(SiLU), typeof(ELU), typeof(GELU)])]
    public static void Energies<TFn>(ArrayView<float> x, ArrayView<float> energies, MlpScratch hidden,
        MlpWeights weights, TFn activation)
        where TFn : struct, IUnaryFunction
    {
        int samples = energies.IntLength, d = weights.Widths[0], stride = GridStride.Stride;
        for (int c = GridStride.Start; c < samples; c += stride)
        {
            ArrayView<float> row = x.SubView(c * d, d);
            energies[c] = new MlpSource<TFn>(weights, hidden, activation).Energy(c, row);
        }
    }

    /// <summary>gradient[c, :] = dE/dx at x[c, :] for every sample c (work items: samples).</summary>
    [Kernel(Instantiations = [typeof(ReLU), typeof(LeakyReLU), typeof(Tanh), typeof(Sigmoid), typeof(Softplus), typeof(SiLU), typeof(ELU), typeof(GELU)])]
    public static void Gradients<TFn>(ArrayView<float> x, ArrayView<float> gradient, MlpScratch hidden,
        MlpWeights weights, TFn activation)
        where TFn : struct, IUnaryFunction
    {
        int d = weights.Widths[0], samples = x.IntLength / d, stride = GridStride.Stride;
        for (int c = GridStride.Start; c < samples; c += stride)
        {
            ArrayView<float> row = x.SubView(c * d, d);
            new MlpSource<TFn>(weights, hidden, activation).Gradient(c, row, gradient.SubView(c * d, d));
        }
    }

    /// <summary>
    /// Runs the hidden layers for sample c: the activation of hidden unit u at scratch unit u and, when asked, its
    /// derivative at scratch unit HiddenUnits + u. Four output units at a time share each input load (the last block
    /// recomputes its final unit for the missing ones and stores only the real ones).
    /// </summary>
    internal static void Forward<TFn>(ArrayView<float> row, MlpScratch hidden, int c,
        MlpWeights weights, TFn activation, bool derivatives)
        where TFn : struct, IUnaryFunction
    {
        ArrayView<float> p = weights.Parameters, h = hidden.Hidden;
        int offset = 0, inputs = weights.Widths[0], inputUnit = 0, unit = 0;
        for (int m = 0; m + 1 < weights.Layers; m++)
        {
            int outputs = weights.Widths[m + 1], bias = offset + outputs * inputs, last = outputs - 1;
            for (int j = 0; j < outputs; j += 4)
            {
                int j1 = XMath.Min(j + 1, last), j2 = XMath.Min(j + 2, last), j3 = XMath.Min(j + 3, last);
                int w0 = offset + j * inputs, w1 = offset + j1 * inputs, w2 = offset + j2 * inputs, w3 = offset + j3 * inputs;
                float z0 = p[bias + j], z1 = p[bias + j1], z2 = p[bias + j2], z3 = p[bias + j3];
                for (int i = 0; i < inputs; i++)
                {
                    float a = m == 0 ? row[i] : h[hidden.At(inputUnit + i, c)];
                    z0 += p[w0 + i] * a;
                    z1 += p[w1 + i] * a;
                    z2 += p[w2 + i] * a;
                    z3 += p[w3 + i] * a;
                }
                Activate(hidden, c, unit + j, z0, weights.HiddenUnits, activation, derivatives);
                if (j + 1 < outputs) Activate(hidden, c, unit + j + 1, z1, weights.HiddenUnits, activation, derivatives);
                if (j + 2 < outputs) Activate(hidden, c, unit + j + 2, z2, weights.HiddenUnits, activation, derivatives);
                if (j + 3 < outputs) Activate(hidden, c, unit + j + 3, z3, weights.HiddenUnits, activation, derivatives);
            }
            offset = bias + outputs;
            inputUnit = unit;
            unit += outputs;
            inputs = outputs;
        }
    }

    /// <summary>Stores f(z) at scratch unit u and, when asked, f'(z) at unit HiddenUnits + u.</summary>
    private static void Activate<TFn>(MlpScratch hidden, int c, int u, float z, int hiddenUnits, TFn activation, bool derivatives)
        where TFn : struct, IUnaryFunction
    {
        hidden.Hidden[hidden.At(u, c)] = activation.Apply(z);
        if (derivatives) hidden.Hidden[hidden.At(hiddenUnits + u, c)] = activation.Derivative(z);
    }

    /// <summary>The network's output for sample c after <see cref="Forward{TFn}"/>: the last layer on the last hidden layer (or on x).</summary>
    internal static float Output(ArrayView<float> row, MlpScratch hidden, int c, MlpWeights weights)
    {
        ArrayView<float> p = weights.Parameters;
        int last = weights.Layers - 1, inputs = weights.Widths[last], offset = ParameterOffset(weights, last);
        float e = p[offset + inputs];
        if (last == 0)
            for (int i = 0; i < inputs; i++) e += p[offset + i] * row[i];
        else
        {
            int unit = weights.HiddenUnits - inputs;
            for (int i = 0; i < inputs; i++) e += p[offset + i] * hidden.Hidden[hidden.At(unit + i, c)];
        }
        return e;
    }

    /// <summary>
    /// Writes dE/dx of sample c to <paramref name="gradient"/> after a <see cref="Forward{TFn}"/> with derivatives,
    /// turning each hidden layer's derivatives in place into dE/dz of that layer on the way down. Four input units at
    /// a time share each load of dE/dz (as in the forward pass, the last block clamps its extra units).
    /// </summary>
    internal static void Backward(ArrayView<float> gradient, MlpScratch hidden, int c, MlpWeights weights)
    {
        ArrayView<float> p = weights.Parameters, h = hidden.Hidden;
        int derivative = weights.HiddenUnits, unit = weights.HiddenUnits;
        for (int m = weights.Layers - 1; m >= 0; m--)
        {
            int inputs = weights.Widths[m], outputs = weights.Widths[m + 1], offset = ParameterOffset(weights, m);
            int outputUnit = unit;          // first unit of layer m's outputs (dE/dz there), when m is hidden
            unit -= inputs;                 // first unit of layer m's inputs, when m > 0
            int last = inputs - 1;
            for (int i = 0; i < inputs; i += 4)
            {
                int i1 = XMath.Min(i + 1, last), i2 = XMath.Min(i + 2, last), i3 = XMath.Min(i + 3, last);
                float v0 = 0f, v1 = 0f, v2 = 0f, v3 = 0f;
                // The output layer's single unit has dE/dz = 1; hidden layers hold dE/dz in their derivative slots.
                int outputsToSum = m == weights.Layers - 1 ? 1 : outputs;
                for (int j = 0; j < outputsToSum; j++)
                {
                    float g = m == weights.Layers - 1 ? 1f : h[hidden.At(derivative + outputUnit + j, c)];
                    int w = offset + j * inputs;
                    v0 += p[w + i] * g;
                    v1 += p[w + i1] * g;
                    v2 += p[w + i2] * g;
                    v3 += p[w + i3] * g;
                }
                Deliver(gradient, hidden, c, m, derivative + unit + i, i, v0);
                if (i + 1 < inputs) Deliver(gradient, hidden, c, m, derivative + unit + i + 1, i + 1, v1);
                if (i + 2 < inputs) Deliver(gradient, hidden, c, m, derivative + unit + i + 2, i + 2, v2);
                if (i + 3 < inputs) Deliver(gradient, hidden, c, m, derivative + unit + i + 3, i + 3, v3);
            }
        }
    }

    /// <summary>
    /// dE/d(input i of layer m) = v: into the gradient for the first layer, else times f' in the derivative slot
    /// <paramref name="slot"/> of the layer below, which then holds that layer's dE/dz.
    /// </summary>
    private static void Deliver(ArrayView<float> gradient, MlpScratch hidden, int c, int m, int slot, int i, float v)
    {
        if (m == 0)
            gradient[i] = v;
        else
        {
            int at = hidden.At(slot, c);
            hidden.Hidden[at] = hidden.Hidden[at] * v;
        }
    }

    /// <summary>Start of layer m's weight in the packed parameters.</summary>
    private static int ParameterOffset(MlpWeights weights, int m)
    {
        int offset = 0;
        for (int k = 0; k < m; k++) offset += (weights.Widths[k] + 1) * weights.Widths[k + 1];
        return offset;
    }
}

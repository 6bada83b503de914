using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ILGPU;
using TorchEbm.Functions;
using TorchEbm.LinearAlgebra;

namespace TorchEbm.Networks;

/// <summary>
/// The energies and input gradients of <see cref="MlpKernels"/> for a whole batch at once, computed on the host in the
/// CPU accelerator's memory: layer by layer as matrix products (<see cref="CpuMatMul"/>, 256-bit SIMD) with the bias,
/// activation and derivative applied in between, where the ILGPU kernels walk each sample's weights as scalar code.
/// </summary>
/// <remarks>
/// The packed weights and the scratch are those of the ILGPU kernels (<see cref="MlpWeights"/>, an activation and a
/// derivative per hidden unit and sample), laid out per layer: the activations of hidden layer h are an (n, width) block
/// at n times the widths before it, their derivatives the same block <c>n * HiddenUnits</c> further on. The input
/// gradient runs backward through the activation blocks, which the forward pass no longer needs. The sums are those of
/// the kernels in another order (blocked, with fused multiply-adds): equal to float tolerance, not bit for bit.
/// </remarks>
internal static class CpuMlp
{
    /// <summary>Whether this machine can run it (256-bit SIMD in hardware).</summary>
    public static bool IsSupported => CpuMatMul.IsSupported;

    /// <summary>
    /// Energies (n) and/or input gradients (n, d) of the n rows of x (n, d), each written when its view is not empty; all
    /// views in CPU-accelerator memory, their sizes checked by the caller (hidden: 2 * HiddenUnits * n floats). The widths
    /// are the host copy of <see cref="MlpWeights.Widths"/> (input first, 1 last), the parameters packed as in
    /// <see cref="MlpWeights.Parameters"/>.
    /// </summary>
    public static void Evaluate<TFn>(ArrayView<float> x, int n, ArrayView<float> parameters, int[] widths, ArrayView<float> hidden,
        ArrayView<float> energies, ArrayView<float> gradient, TFn activation) where TFn : struct, IUnaryFunction
    {
        int layers = widths.Length - 1, hiddenUnits = 0;
        for (int h = 1; h < layers; h++) hiddenUnits += widths[h];
        bool derivatives = gradient.Length > 0;

        // Forward: hidden layer h's pre-activation Z = A W^T into its activation block, then bias, f and f' in place.
        ArrayView<float> input = x;
        int prefix = 0;
        long offset = 0;
        for (int h = 0; h < layers - 1; h++)
        {
            int inWidth = widths[h], width = widths[h + 1];
            ArrayView<float> weight = parameters.SubView(offset, (long)width * inWidth);
            ArrayView<float> bias = parameters.SubView(offset + (long)width * inWidth, width);
            ArrayView<float> activations = hidden.SubView((long)prefix * n, (long)width * n);
            CpuMatMul.Multiply(input, weight, activations, MatMulShape.Of(n, width, inWidth, false, true, false));
            Activate(HostMemory.Of(activations), derivatives ? HostMemory.Of(hidden.SubView((long)(hiddenUnits + prefix) * n, (long)width * n)) : default,
                HostMemory.Of(bias), width, activation);
            input = activations;
            offset += (long)(inWidth + 1) * width;
            prefix += width;
        }

        int last = widths[layers - 1];
        Span<float> output = HostMemory.Of(parameters.SubView(offset, last + 1)); // the last layer's weight row, then its bias
        if (energies.Length > 0) Output(HostMemory.Of(input), HostMemory.Of(energies), output, last);
        if (!derivatives) return;

        // Backward: dE/dA of the last hidden layer is its weight row; times f' it is dE/dZ, and dE/dZ W is dE/dA one
        // layer down (into that layer's activation block), down to dE/dx.
        if (layers == 1)
        {
            Span<float> rows = HostMemory.Of(gradient);
            for (int i = 0; i < n; i++) output[..last].CopyTo(rows.Slice(i * last, last));
            return;
        }
        prefix -= last;
        Span<float> top = HostMemory.Of(hidden.SubView((long)prefix * n, (long)last * n));
        Scale(top, HostMemory.Of(hidden.SubView((long)(hiddenUnits + prefix) * n, (long)last * n)), output[..last], last);
        for (int h = layers - 2; h >= 0; h--)
        {
            int inWidth = widths[h], width = widths[h + 1];
            offset -= (long)(inWidth + 1) * width;
            ArrayView<float> weight = parameters.SubView(offset, (long)width * inWidth);
            ArrayView<float> dz = hidden.SubView((long)prefix * n, (long)width * n);
            if (h == 0)
            {
                CpuMatMul.Multiply(dz, weight, gradient, MatMulShape.Of(n, inWidth, width, false, false, false));
                break;
            }
            prefix -= inWidth;
            ArrayView<float> below = hidden.SubView((long)prefix * n, (long)inWidth * n);
            CpuMatMul.Multiply(dz, weight, below, MatMulShape.Of(n, inWidth, width, false, false, false));
            Multiply(HostMemory.Of(below), HostMemory.Of(hidden.SubView((long)(hiddenUnits + prefix) * n, (long)inWidth * n)));
        }
    }

    /// <summary>z = a + bias (per column), a = f(z), and d = f'(z) when d is not empty; rows of <paramref name="width"/>.</summary>
    private static void Activate<TFn>(Span<float> a, Span<float> d, ReadOnlySpan<float> bias, int width, TFn f) where TFn : struct, IUnaryFunction
    {
        ref float rb = ref MemoryMarshal.GetReference(bias);
        for (int i = 0; i < a.Length; i += width)
        {
            Span<float> row = a.Slice(i, width);
            Span<float> slope = d.IsEmpty ? row : d.Slice(i, width); // no derivative wanted: written to the row, then overwritten
            ref float ra = ref MemoryMarshal.GetReference(row);
            ref float rd = ref MemoryMarshal.GetReference(slope);
            int j = 0;
            for (; j + 8 <= width; j += 8)
            {
                Vector256<float> z = Vector256.LoadUnsafe(ref ra, (nuint)j) + Vector256.LoadUnsafe(ref rb, (nuint)j);
                if (!HostActivation.TryApply(f, z, out Vector256<float> value, out Vector256<float> derivative)) break;
                derivative.StoreUnsafe(ref rd, (nuint)j);
                value.StoreUnsafe(ref ra, (nuint)j);
            }
            for (; j < width; j++)
            {
                float z = row[j] + bias[j];
                if (!d.IsEmpty) slope[j] = f.Derivative(z);
                row[j] = f.Apply(z);
            }
        }
    }

    /// <summary>energies[i] = a[i, :] . w + b, with w the first <paramref name="width"/> entries of <paramref name="output"/> and b the next.</summary>
    private static void Output(ReadOnlySpan<float> a, Span<float> energies, ReadOnlySpan<float> output, int width)
    {
        ReadOnlySpan<float> w = output[..width];
        float b = output[width];
        for (int i = 0; i < energies.Length; i++) energies[i] = Dot(a.Slice(i * width, width), w) + b;
    }

    /// <summary>a[i, :] = w * d[i, :] for every row of <paramref name="width"/>.</summary>
    private static void Scale(Span<float> a, ReadOnlySpan<float> d, ReadOnlySpan<float> w, int width)
    {
        for (int i = 0; i < a.Length; i += width)
        {
            Span<float> row = a.Slice(i, width);
            ReadOnlySpan<float> slope = d.Slice(i, width);
            for (int j = 0; j < width; j++) row[j] = w[j] * slope[j];
        }
    }

    /// <summary>a *= d element by element.</summary>
    private static void Multiply(Span<float> a, ReadOnlySpan<float> d)
    {
        int j = 0;
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rd = ref MemoryMarshal.GetReference(d);
        for (; j + 8 <= a.Length; j += 8)
            (Vector256.LoadUnsafe(ref ra, (nuint)j) * Vector256.LoadUnsafe(ref rd, (nuint)j)).StoreUnsafe(ref ra, (nuint)j);
        for (; j < a.Length; j++) a[j] *= d[j];
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Vector256<float> sum = Vector256<float>.Zero;
        int j = 0;
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        for (; j + 8 <= a.Length; j += 8)
            sum = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref ra, (nuint)j), Vector256.LoadUnsafe(ref rb, (nuint)j), sum);
        float total = Vector256.Sum(sum);
        for (; j < a.Length; j++) total += a[j] * b[j];
        return total;
    }
}

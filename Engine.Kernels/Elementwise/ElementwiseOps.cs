using ILGPU;
using ILGPU.Runtime;
using TorchEbm.Reductions;

namespace TorchEbm.Elementwise;

/// <summary>
/// The one place the tape's element-wise, broadcast, column and sum ops choose their implementation: on the CPU
/// accelerator the host code of <see cref="HostElementwise"/> and <see cref="HostColumns"/> in the accelerator's memory
/// (a kernel launch there costs more than the arithmetic of the small tensors a tape makes); on a GPU the ILGPU kernels,
/// which stay the reference the host code is tested against. Arguments are the kernels' (views, then scalars), checked
/// by the callers before this is reached.
/// </summary>
internal static class ElementwiseOps
{
    /// <summary>Whether ops on <paramref name="device"/> run as host code.</summary>
    public static bool OnHost(Device device) => device.Kind == DeviceKind.Cpu;

    /// <summary>output[i] = factor * input[i] (<see cref="ElementwiseKernels.Scale"/>).</summary>
    public static void Scale(Device device, ArrayView<float> input, ArrayView<float> output, float factor)
    {
        if (!OnHost(device)) { device.Launch(ElementwiseKernels.Scale, input.Length, input, output, factor); return; }
        HostElementwise.Scale(HostMemory.Of(input), HostMemory.Of(output), factor);
        KeepAlive(input, output);
    }

    /// <summary>output[i] += factor * input[i] (<see cref="ElementwiseKernels.AddScaled"/>).</summary>
    public static void AddScaled(Device device, ArrayView<float> input, ArrayView<float> output, float factor)
    {
        if (!OnHost(device)) { device.Launch(ElementwiseKernels.AddScaled, input.Length, input, output, factor); return; }
        HostElementwise.AddScaled(HostMemory.Of(input), HostMemory.Of(output), factor);
        KeepAlive(input, output);
    }

    /// <summary>output[i] = scale * input[i] + shift (<see cref="ElementwiseKernels.Affine"/>).</summary>
    public static void Affine(Device device, ArrayView<float> input, ArrayView<float> output, float scale, float shift)
    {
        if (!OnHost(device)) { device.Launch(ElementwiseKernels.Affine, input.Length, input, output, scale, shift); return; }
        HostElementwise.Affine(HostMemory.Of(input), HostMemory.Of(output), scale, shift);
        KeepAlive(input, output);
    }

    /// <summary>output[i] = a[i] + factor * b[i] (<see cref="ElementwiseKernels.Combine"/>).</summary>
    public static void Combine(Device device, ArrayView<float> a, ArrayView<float> b, ArrayView<float> output, float factor)
    {
        if (!OnHost(device)) { device.Launch(ElementwiseKernels.Combine, a.Length, a, b, output, factor); return; }
        HostElementwise.Combine(HostMemory.Of(a), HostMemory.Of(b), HostMemory.Of(output), factor);
        KeepAlive(a, b, output);
    }

    /// <summary>output[i] = a[i] * b[i] (<see cref="ElementwiseKernels.Multiply"/>).</summary>
    public static void Multiply(Device device, ArrayView<float> a, ArrayView<float> b, ArrayView<float> output)
    {
        if (!OnHost(device)) { device.Launch(ElementwiseKernels.Multiply, a.Length, a, b, output); return; }
        HostElementwise.Multiply(HostMemory.Of(a), HostMemory.Of(b), HostMemory.Of(output));
        KeepAlive(a, b, output);
    }

    /// <summary>output[i] += a[i] * b[i] (<see cref="ElementwiseKernels.MultiplyAdd"/>).</summary>
    public static void MultiplyAdd(Device device, ArrayView<float> a, ArrayView<float> b, ArrayView<float> output)
    {
        if (!OnHost(device)) { device.Launch(ElementwiseKernels.MultiplyAdd, a.Length, a, b, output); return; }
        HostElementwise.MultiplyAdd(HostMemory.Of(a), HostMemory.Of(b), HostMemory.Of(output));
        KeepAlive(a, b, output);
    }

    /// <summary>output[i] += factor * scalar[0] (<see cref="ElementwiseKernels.AddBroadcast"/>).</summary>
    public static void AddBroadcast(Device device, ArrayView<float> scalar, ArrayView<float> output, float factor)
    {
        if (!OnHost(device)) { device.Launch(ElementwiseKernels.AddBroadcast, output.Length, scalar, output, factor); return; }
        HostElementwise.AddBroadcast(HostMemory.Of(scalar), HostMemory.Of(output), factor);
        KeepAlive(scalar, output);
    }

    /// <summary>output[r, c] = matrix[r, c] + row[c] (<see cref="ElementwiseKernels.AddRow"/>).</summary>
    public static void AddRow(Device device, ArrayView<float> matrix, ArrayView<float> row, ArrayView<float> output)
    {
        if (!OnHost(device)) { device.Launch(ElementwiseKernels.AddRow, matrix.Length, matrix, row, output); return; }
        HostElementwise.AddRow(HostMemory.Of(matrix), HostMemory.Of(row), HostMemory.Of(output));
        KeepAlive(matrix, row, output);
    }

    /// <summary>output = a op b with broadcasting (<see cref="BroadcastKernels.Forward"/>).</summary>
    public static void BroadcastForward(Device device, ArrayView<float> a, ArrayView<float> b, ArrayView<float> output, Broadcast shape, int op)
    {
        if (!OnHost(device)) { device.Launch(BroadcastKernels.Forward, output.Length, a, b, output, shape, op); return; }
        HostElementwise.BroadcastForward(HostMemory.Of(a), HostMemory.Of(b), HostMemory.Of(output), shape, op);
        KeepAlive(a, b, output);
    }

    /// <summary>An operand's gradient of a broadcast op (<see cref="BroadcastKernels.Backward"/>).</summary>
    public static void BroadcastBackward(Device device, ArrayView<float> g, ArrayView<float> a, ArrayView<float> b, ArrayView<float> gradient,
        Broadcast shape, int op, int operand)
    {
        if (!OnHost(device)) { device.Launch(BroadcastKernels.Backward, gradient.Length, g, a, b, gradient, shape, op, operand); return; }
        HostElementwise.BroadcastBackward(HostMemory.Of(g), HostMemory.Of(a), HostMemory.Of(b), HostMemory.Of(gradient), shape, op, operand);
        KeepAlive(g, a, b);
        HostMemory.KeepAlive(gradient);
    }

    /// <summary>output[r, k] (+)= x[r, start + k] (<see cref="ColumnKernels.Gather"/>).</summary>
    public static void Gather(Device device, ArrayView<float> x, ArrayView<float> output, int dim, int start, int count, bool accumulate)
    {
        if (!OnHost(device)) { device.Launch(ColumnKernels.Gather, output.Length, x, output, dim, start, count, accumulate ? 1 : 0); return; }
        HostColumns.Gather(HostMemory.Of(x), HostMemory.Of(output), dim, start, count, accumulate);
        KeepAlive(x, output);
    }

    /// <summary>gradient[r, start + k] += g[r, k] (<see cref="ColumnKernels.ScatterAdd"/>).</summary>
    public static void ScatterAdd(Device device, ArrayView<float> g, ArrayView<float> gradient, int dim, int start, int count)
    {
        if (!OnHost(device)) { device.Launch(ColumnKernels.ScatterAdd, g.Length, g, gradient, dim, start, count); return; }
        HostColumns.ScatterAdd(HostMemory.Of(g), HostMemory.Of(gradient), dim, start, count);
        KeepAlive(g, gradient);
    }

    /// <summary>output[r] = factor * the sum of row r (<see cref="ColumnKernels.RowSums"/>).</summary>
    public static void RowSums(Device device, ArrayView<float> x, ArrayView<float> output, int dim, float factor)
    {
        if (!OnHost(device)) { device.Launch(ColumnKernels.RowSums, output.Length, x, output, dim, factor); return; }
        HostColumns.RowSums(HostMemory.Of(x), HostMemory.Of(output), dim, factor);
        KeepAlive(x, output);
    }

    /// <summary>gradient[r, j] += factor * g[r] (<see cref="ColumnKernels.AddToRows"/>).</summary>
    public static void AddToRows(Device device, ArrayView<float> g, ArrayView<float> gradient, int dim, float factor)
    {
        if (!OnHost(device)) { device.Launch(ColumnKernels.AddToRows, gradient.Length, g, gradient, dim, factor); return; }
        HostColumns.AddToRows(HostMemory.Of(g), HostMemory.Of(gradient), dim, factor);
        KeepAlive(g, gradient);
    }

    /// <summary>output[c] (+)= the sum down column c (<see cref="ReductionKernels.ColumnSums"/>).</summary>
    public static void ColumnSums(Device device, ArrayView<float> matrix, ArrayView<float> output, bool accumulate)
    {
        if (!OnHost(device)) { device.Launch(ReductionKernels.ColumnSums, output.Length, matrix, output, accumulate ? 1 : 0); return; }
        HostColumns.ColumnSums(HostMemory.Of(matrix), HostMemory.Of(output), accumulate);
        KeepAlive(matrix, output);
    }

    /// <summary>The sum of every element of <paramref name="input"/> as a new (1) tensor, in <see cref="Reduce.Sum(Tensor)"/>'s order.</summary>
    public static Tensor Sum(Tensor input)
    {
        if (!OnHost(input.Device)) return Reduce.Sum(input);
        Tensor result = input.Device.Allocate([1]);
        Sum(input, result);
        return result;
    }

    /// <summary>
    /// Writes the sum of every element of <paramref name="input"/> into the (1) tensor <paramref name="result"/>, in
    /// <see cref="Reduce.Sum(Tensor)"/>'s order: on the CPU as host code with no allocation (a kept tape graph replays it).
    /// </summary>
    public static void Sum(Tensor input, Tensor result)
    {
        if (!OnHost(input.Device))
        {
            Reduce.Sum(input, result);
            return;
        }
        HostMemory.Of(result.View)[0] = HostColumns.Sum(HostMemory.Of(input.View));
        GC.KeepAlive(input);
        GC.KeepAlive(result);
    }

    private static void KeepAlive(ArrayView<float> a, ArrayView<float> b)
    {
        HostMemory.KeepAlive(a);
        HostMemory.KeepAlive(b);
    }

    private static void KeepAlive(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c)
    {
        KeepAlive(a, b);
        HostMemory.KeepAlive(c);
    }
}

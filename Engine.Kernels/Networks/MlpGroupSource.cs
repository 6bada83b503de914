using ILGPU;
using ILGPU.Algorithms;
using TorchEbm.Functions;
using TorchEbm.Kernels.Samplers;

namespace TorchEbm.Networks;

/// <summary>
/// A small MLP energy evaluated by a whole thread group for <see cref="ChainGroup.Chains"/> chains at once (the
/// cooperative twin of <see cref="MlpSource{TFn}"/>, same weights and scratch): each weight is read from global memory
/// once per group instead of once per chain, and every thread of the group works on every layer.
/// </summary>
/// <remarks>
/// <para>Forward, layer by layer: thread r owns output unit j0 + r of a row tile of as many units as threads, and keeps
/// one sum per chain of the group in registers while the weight block (rows x up to <see cref="ChainGroup.TileDepth"/>
/// inputs) and the chains' inputs are staged in shared memory tile by tile. Backward, layer by layer from the top:
/// thread r owns input unit i0 + r and sums over staged blocks of up to TileDepth output units. Activations and
/// derivatives go to the per-chain <see cref="MlpScratch"/> between layers, so any width and depth fits. A layer whose
/// units times chains fit in the group (the output unit, the gradient of a low-dimensional x) instead takes one thread
/// per unit and chain, so its sums do not run on a handful of threads.</para>
/// <para>Every sum starts and runs in the order of <see cref="MlpKernels"/> (bias first, then inputs in index order;
/// backward from zero over outputs in index order), so where the compiler does not contract multiply-adds differently
/// the results equal the per-chain kernel's bit for bit.</para>
/// </remarks>
public readonly struct MlpGroupSource<TFn>(MlpWeights weights, MlpScratch hidden, TFn activation) : IGroupEnergySource
    where TFn : struct, IUnaryFunction
{
    private const int Depth = ChainGroup.TileDepth;

    /// <summary>Stride between the chains' vectors in shared memory: odd, so threads of different chains read distinct banks.</summary>
    private const int VectorStride = ChainGroup.TileDepth + 1;

    /// <summary>The packed weights.</summary>
    public readonly MlpWeights Weights = weights;

    /// <summary>Per-chain hidden activations and derivatives.</summary>
    public readonly MlpScratch Hidden = hidden;

    /// <summary>The activation between layers.</summary>
    public readonly TFn Activation = activation;

    /// <inheritdoc />
    public void Evaluate(int first, int count, ArrayView<float> x, ArrayView<float> gradients, ArrayView<float> energies,
        bool energy, ArrayView<float> shared)
    {
        var group = new Tiles(shared.SubView(0, ChainGroup.TileFloats), shared.SubView(ChainGroup.TileFloats, ChainGroup.Chains * VectorStride),
            first, count, Weights.Widths[0]);
        int offset = 0, inputs = Weights.Widths[0], inputUnit = 0, unit = 0;
        for (int m = 0; m + 1 < Weights.Layers; m++)
        {
            int outputs = Weights.Widths[m + 1];
            Forward(group, x, energies, m, offset, inputs, outputs, inputUnit, unit);
            offset += (inputs + 1) * outputs;
            inputUnit = unit;
            unit += outputs;
            inputs = outputs;
        }
        if (energy) Forward(group, x, energies, Weights.Layers - 1, offset, inputs, 1, inputUnit, -1);
        // Backward from the top: `offset` is layer m's weight, `unit` the first unit of its outputs.
        for (int m = Weights.Layers - 1; m >= 0; m--)
        {
            inputs = Weights.Widths[m];
            int outputs = Weights.Widths[m + 1], outputUnit = unit;
            unit -= inputs;
            Backward(group, gradients, m, offset, inputs, outputs, outputUnit, unit);
            if (m > 0) offset -= (Weights.Widths[m - 1] + 1) * inputs;
        }
    }

    /// <summary>The group's shared tiles and chains.</summary>
    private readonly record struct Tiles(ArrayView<float> Weight, ArrayView<float> Vectors, int First, int Count, int Dim);

    /// <summary>
    /// Layer m (weight at <paramref name="offset"/>, inputs at scratch unit <paramref name="inputUnit"/> or x for m = 0)
    /// for the group's chains: f(z) and f'(z) to scratch units <paramref name="unit"/> + j, or, for the output layer
    /// (<paramref name="unit"/> = -1), z to the chains' energies.
    /// </summary>
    private void Forward(in Tiles group, ArrayView<float> x, ArrayView<float> energies, int m, int offset, int inputs, int outputs,
        int inputUnit, int unit)
    {
        ArrayView<float> p = Weights.Parameters, w = group.Weight, a = group.Vectors;
        int thread = Group.IdxX, threads = Group.DimX, bias = offset + outputs * inputs;
        bool narrow = outputs * group.Count <= threads; // then one row tile, a thread per (unit, chain)
        for (int j0 = 0; j0 < outputs; j0 += threads)
        {
            int rows = XMath.Min(threads, outputs - j0), c = narrow ? thread / rows : 0, r = narrow ? thread - c * rows : thread, j = j0 + r;
            bool active = narrow ? thread < rows * group.Count : thread < rows;
            float b = active ? p[bias + j] : 0f;
            float z0 = b, z1 = b, z2 = b, z3 = b, z4 = b, z5 = b, z6 = b, z7 = b;
            for (int i0 = 0; i0 < inputs; i0 += Depth)
            {
                int cols = XMath.Min(Depth, inputs - i0);
                Group.Barrier(); // the previous tile's reads are done
                for (int e = thread; e < rows * cols; e += threads)
                {
                    int q = e / cols, i = e - q * cols;
                    w[q * (Depth + 1) + i] = p[offset + (j0 + q) * inputs + i0 + i];
                }
                for (int e = thread; e < group.Count * cols; e += threads)
                {
                    int q = e / cols, i = e - q * cols, chain = group.First + q;
                    a[q * VectorStride + i] = m == 0 ? x[(long)chain * group.Dim + i0 + i] : Hidden.Hidden[Hidden.At(inputUnit + i0 + i, chain)];
                }
                Group.Barrier();
                if (!active) continue;
                int row = r * (Depth + 1);
                if (narrow)
                {
                    for (int i = 0; i < cols; i++) z0 += w[row + i] * a[c * VectorStride + i];
                    continue;
                }
                // Chains beyond Count read stale vectors; their sums are never stored.
                for (int i = 0; i < cols; i++)
                {
                    float wi = w[row + i];
                    z0 += wi * a[i];
                    z1 += wi * a[VectorStride + i];
                    z2 += wi * a[2 * VectorStride + i];
                    z3 += wi * a[3 * VectorStride + i];
                    z4 += wi * a[4 * VectorStride + i];
                    z5 += wi * a[5 * VectorStride + i];
                    z6 += wi * a[6 * VectorStride + i];
                    z7 += wi * a[7 * VectorStride + i];
                }
            }
            if (!active) continue;
            if (narrow)
            {
                Store(group, energies, unit, j, c, z0);
                continue;
            }
            Store(group, energies, unit, j, 0, z0);
            if (group.Count > 1) Store(group, energies, unit, j, 1, z1);
            if (group.Count > 2) Store(group, energies, unit, j, 2, z2);
            if (group.Count > 3) Store(group, energies, unit, j, 3, z3);
            if (group.Count > 4) Store(group, energies, unit, j, 4, z4);
            if (group.Count > 5) Store(group, energies, unit, j, 5, z5);
            if (group.Count > 6) Store(group, energies, unit, j, 6, z6);
            if (group.Count > 7) Store(group, energies, unit, j, 7, z7);
        }
    }

    /// <summary>Output unit j's z for the group's chain c: f(z) and f'(z) into the scratch, or the energy (unit -1).</summary>
    private void Store(in Tiles group, ArrayView<float> energies, int unit, int j, int c, float z)
    {
        int chain = group.First + c;
        if (unit < 0)
        {
            energies[chain] = z;
            return;
        }
        Hidden.Hidden[Hidden.At(unit + j, chain)] = Activation.Apply(z);
        Hidden.Hidden[Hidden.At(Weights.HiddenUnits + unit + j, chain)] = Activation.Derivative(z);
    }

    /// <summary>
    /// dE/d(inputs of layer m) for the group's chains, from dE/dz of its outputs (1 for the output layer, else the
    /// derivative slots at scratch unit <paramref name="outputUnit"/>): into the gradients for m = 0, else times f' in the
    /// derivative slots of the layer below (input units from <paramref name="unit"/>), which then hold its dE/dz.
    /// </summary>
    private void Backward(in Tiles group, ArrayView<float> gradients, int m, int offset, int inputs, int outputs, int outputUnit, int unit)
    {
        ArrayView<float> p = Weights.Parameters, w = group.Weight, g = group.Vectors;
        int thread = Group.IdxX, threads = Group.DimX, derivative = Weights.HiddenUnits;
        bool top = m == Weights.Layers - 1, narrow = inputs * group.Count <= threads; // then one column tile, a thread per (unit, chain)
        for (int i0 = 0; i0 < inputs; i0 += threads)
        {
            int cols = XMath.Min(threads, inputs - i0), c = narrow ? thread / cols : 0, col = narrow ? thread - c * cols : thread, i = i0 + col;
            bool active = narrow ? thread < cols * group.Count : thread < cols;
            float v0 = 0f, v1 = 0f, v2 = 0f, v3 = 0f, v4 = 0f, v5 = 0f, v6 = 0f, v7 = 0f;
            for (int j0 = 0; j0 < outputs; j0 += Depth)
            {
                int rows = XMath.Min(Depth, outputs - j0);
                Group.Barrier(); // the previous tile's reads are done
                for (int e = thread; e < rows * cols; e += threads)
                {
                    int q = e / cols, k = e - q * cols;
                    w[q * (threads + 1) + k] = p[offset + (j0 + q) * inputs + i0 + k];
                }
                for (int e = thread; e < group.Count * rows; e += threads)
                {
                    int q = e / rows, r = e - q * rows;
                    g[q * VectorStride + r] = top ? 1f : Hidden.Hidden[Hidden.At(derivative + outputUnit + j0 + r, group.First + q)];
                }
                Group.Barrier();
                if (!active) continue;
                if (narrow)
                {
                    for (int r = 0; r < rows; r++) v0 += w[r * (threads + 1) + col] * g[c * VectorStride + r];
                    continue;
                }
                for (int r = 0; r < rows; r++)
                {
                    float wr = w[r * (threads + 1) + col];
                    v0 += wr * g[r];
                    v1 += wr * g[VectorStride + r];
                    v2 += wr * g[2 * VectorStride + r];
                    v3 += wr * g[3 * VectorStride + r];
                    v4 += wr * g[4 * VectorStride + r];
                    v5 += wr * g[5 * VectorStride + r];
                    v6 += wr * g[6 * VectorStride + r];
                    v7 += wr * g[7 * VectorStride + r];
                }
            }
            if (!active) continue;
            if (narrow)
            {
                Deliver(group, gradients, m, derivative + unit + i, i, c, v0);
                continue;
            }
            Deliver(group, gradients, m, derivative + unit + i, i, 0, v0);
            if (group.Count > 1) Deliver(group, gradients, m, derivative + unit + i, i, 1, v1);
            if (group.Count > 2) Deliver(group, gradients, m, derivative + unit + i, i, 2, v2);
            if (group.Count > 3) Deliver(group, gradients, m, derivative + unit + i, i, 3, v3);
            if (group.Count > 4) Deliver(group, gradients, m, derivative + unit + i, i, 4, v4);
            if (group.Count > 5) Deliver(group, gradients, m, derivative + unit + i, i, 5, v5);
            if (group.Count > 6) Deliver(group, gradients, m, derivative + unit + i, i, 6, v6);
            if (group.Count > 7) Deliver(group, gradients, m, derivative + unit + i, i, 7, v7);
        }
    }

    /// <summary>dE/d(input i of layer m) = v for the group's chain c, as <see cref="MlpKernels"/>' Deliver.</summary>
    private void Deliver(in Tiles group, ArrayView<float> gradients, int m, int slot, int i, int c, float v)
    {
        int chain = group.First + c;
        if (m == 0)
            gradients[(long)chain * group.Dim + i] = v;
        else
        {
            int at = Hidden.At(slot, chain);
            Hidden.Hidden[at] = Hidden.Hidden[at] * v;
        }
    }
}

using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ILGPU;
using TorchEbm.Launch;

namespace TorchEbm.LinearAlgebra;

/// <summary>
/// The matrix product of <see cref="MatMulKernels.Multiply"/> (C = A B, or C += A B, strided operands as in
/// <see cref="MatMulShape"/>) computed on the host in the CPU accelerator's memory with 256-bit SIMD, where the ILGPU
/// kernel runs as scalar .NET code.
/// </summary>
/// <remarks>
/// <para>Blocked as in BLIS: op(B) is packed once into 16-column panels (zero-padded past N) and every transpose
/// combination and size runs the same 6 x 16 micro-kernel: twelve 8-float accumulators in registers; per step of k two
/// loads of the B panel and one broadcast per row of A. A is read in place through its strides (6 contiguous floats per
/// step when stored transposed, 6 rows in step otherwise); packing it as well measured slower, since each packed value
/// is used only N / 16 times and for narrow products once (1024 x 128 x 128: ~80 against ~110 GFLOP/s on 2 cores;
/// N = 1 or 2: 3x slower). k runs in 256-deep slices so a B panel stays in L1, rows in blocks of at most 144 so the
/// block's slice of A stays in L2; the blocks run in parallel. The packed B comes from <see cref="ArrayPool{T}.Shared"/>.</para>
/// <para>Rounding differs from the ILGPU kernel: each element is summed in order within 256-deep slices of k, slice
/// sums added to C, with fused multiply-adds where the CPU has FMA (the ILGPU kernel sums all of k in order, unfused).
/// Both are float32 sums of the same terms: they agree to float tolerance, not bit for bit.</para>
/// </remarks>
public static class CpuMatMul
{
    private const int Mr = 6, Nr = 16; // the micro-kernel's block of C: 6 rows x two 8-float vectors
    private const int Kc = 256; // a 16-column panel of B over 256 steps of k is 16 KiB: it stays in L1
    private const int McMax = 144; // 144 rows of A over 256 steps of k are 144 KiB: they stay in L2
    private const long SerialWork = 1 << 17; // multiply-adds below which starting threads costs more than it saves

    /// <summary>Whether this machine runs 256-bit vectors in hardware (else callers keep the ILGPU kernel).</summary>
    public static bool IsSupported => Vector256.IsHardwareAccelerated;

    /// <summary>C = A B, or C += A B when shape.Accumulate is 1; views of CPU-accelerator memory.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size or stride in <paramref name="shape"/> is negative.</exception>
    /// <exception cref="ArgumentException">A view is too short for <paramref name="shape"/>, or not in CPU-accelerator memory.</exception>
    public static void Multiply(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, MatMulShape shape)
    {
        Validate(a, b, c, shape);
        int m = shape.M, n = shape.N;
        if (m == 0 || n == 0) return;
        if (shape.K == 0)
        {
            if (shape.Accumulate == 0) HostMemory.Of(c)[..(m * n)].Clear();
            return;
        }

        float[] packedB = ArrayPool<float>.Shared.Rent(checked(Panels(n) * Nr * shape.K));
        try
        {
            PackB(HostMemory.Of(b), shape, packedB);
            // Enough row blocks for every core, each a multiple of the micro-kernel's rows.
            int threads = Environment.ProcessorCount;
            int rows = Math.Min(McMax, RoundUp((m + threads - 1) / threads, Mr)), blocks = (m + rows - 1) / rows;
            if (threads == 1 || blocks == 1 || (long)m * n * shape.K < SerialWork)
                for (int block = 0; block < blocks; block++) RowBlock(a, c, packedB, shape, block * rows, rows);
            else
                RowBlocksInParallel(a, c, packedB, shape, rows, blocks);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packedB);
        }
    }

    private static void RowBlocksInParallel(ArrayView<float> a, ArrayView<float> c, float[] packedB, MatMulShape shape, int rows, int blocks) =>
        (s_rowBlocks ??= new RowBlocks()).Run(a, c, packedB, shape, rows, blocks);

    [ThreadStatic] private static RowBlocks? s_rowBlocks;

    /// <summary>The row blocks of one product on every core, without allocating per product.</summary>
    private sealed class RowBlocks : HostJob
    {
        private ArrayView<float> _a, _c;
        private float[] _packedB = [];
        private MatMulShape _shape;
        private int _rows;

        public void Run(ArrayView<float> a, ArrayView<float> c, float[] packedB, MatMulShape shape, int rows, int blocks)
        {
            (_a, _c, _packedB, _shape, _rows) = (a, c, packedB, shape, rows);
            try { RunBlocks(blocks); }
            finally { (_a, _c, _packedB) = (default, default, []); } // hold no buffer between products
        }

        protected override void Run(int block) => RowBlock(_a, _c, _packedB, _shape, block * _rows, _rows);
    }

    /// <summary>Rows [i0, i0 + rows) of C (clipped to M), every column, over all of k.</summary>
    private static void RowBlock(ArrayView<float> a, ArrayView<float> c, float[] packedB, MatMulShape shape, int i0, int rows)
    {
        rows = Math.Min(rows, shape.M - i0);
        int n = shape.N, panelsN = Panels(n);
        ref float hostA = ref MemoryMarshal.GetReference(HostMemory.Of(a));
        ref float hostC = ref MemoryMarshal.GetReference(HostMemory.Of(c));
        for (int p0 = 0; p0 < shape.K; p0 += Kc)
        {
            int kc = Math.Min(Kc, shape.K - p0);
            bool add = shape.Accumulate != 0 || p0 > 0; // later slices of k add to the first
            ref float sliceA = ref Unsafe.Add(ref hostA, p0 * shape.ACol);
            for (int pj = 0; pj < panelsN; pj++)
            {
                ref float panelB = ref packedB[p0 * panelsN * Nr + pj * kc * Nr];
                int j0 = pj * Nr, cols = Math.Min(Nr, n - j0);
                for (int r0 = 0; r0 < rows; r0 += Mr)
                {
                    int i = i0 + r0;
                    MicroKernel(ref Unsafe.Add(ref sliceA, i * shape.ARow), shape.ARow, shape.ACol, Math.Min(Mr, rows - r0),
                        ref panelB, kc, ref Unsafe.Add(ref hostC, i * n + j0), n, cols, add);
                }
            }
        }
    }

    /// <summary>
    /// A 6 x 16 block of C (its top-left at <paramref name="c"/>, rows <paramref name="ldc"/> apart) from 6 rows of A read
    /// in place (element (r, p) at <paramref name="a"/> + r aRow + p aCol) and a packed 16-column panel of B, kc deep;
    /// only rows x cols of it are stored.
    /// </summary>
    private static void MicroKernel(ref float a, int aRow, int aCol, int rows, ref float b, int kc, ref float c, int ldc, int cols, bool add)
    {
        // Rows past the edge of A re-read its first row (always valid) and are never stored.
        ref float a0 = ref a;
        ref float a1 = ref Unsafe.Add(ref a, rows > 1 ? aRow : 0);
        ref float a2 = ref Unsafe.Add(ref a, rows > 2 ? 2 * aRow : 0);
        ref float a3 = ref Unsafe.Add(ref a, rows > 3 ? 3 * aRow : 0);
        ref float a4 = ref Unsafe.Add(ref a, rows > 4 ? 4 * aRow : 0);
        ref float a5 = ref Unsafe.Add(ref a, rows > 5 ? 5 * aRow : 0);
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        nint p = 0, stride = aCol;
        for (int step = 0; step < kc; step++, p += stride)
        {
            Vector256<float> b0 = Vector256.LoadUnsafe(ref b), b1 = Vector256.LoadUnsafe(ref b, 8);
            Vector256<float> ai = Vector256.Create(Unsafe.Add(ref a0, p));
            c00 = Vector256.MultiplyAddEstimate(ai, b0, c00); c01 = Vector256.MultiplyAddEstimate(ai, b1, c01);
            ai = Vector256.Create(Unsafe.Add(ref a1, p));
            c10 = Vector256.MultiplyAddEstimate(ai, b0, c10); c11 = Vector256.MultiplyAddEstimate(ai, b1, c11);
            ai = Vector256.Create(Unsafe.Add(ref a2, p));
            c20 = Vector256.MultiplyAddEstimate(ai, b0, c20); c21 = Vector256.MultiplyAddEstimate(ai, b1, c21);
            ai = Vector256.Create(Unsafe.Add(ref a3, p));
            c30 = Vector256.MultiplyAddEstimate(ai, b0, c30); c31 = Vector256.MultiplyAddEstimate(ai, b1, c31);
            ai = Vector256.Create(Unsafe.Add(ref a4, p));
            c40 = Vector256.MultiplyAddEstimate(ai, b0, c40); c41 = Vector256.MultiplyAddEstimate(ai, b1, c41);
            ai = Vector256.Create(Unsafe.Add(ref a5, p));
            c50 = Vector256.MultiplyAddEstimate(ai, b0, c50); c51 = Vector256.MultiplyAddEstimate(ai, b1, c51);
            b = ref Unsafe.Add(ref b, Nr);
        }

        if (rows == Mr && cols == Nr)
        {
            StoreRow(ref c, c00, c01, add);
            StoreRow(ref Unsafe.Add(ref c, ldc), c10, c11, add);
            StoreRow(ref Unsafe.Add(ref c, 2 * ldc), c20, c21, add);
            StoreRow(ref Unsafe.Add(ref c, 3 * ldc), c30, c31, add);
            StoreRow(ref Unsafe.Add(ref c, 4 * ldc), c40, c41, add);
            StoreRow(ref Unsafe.Add(ref c, 5 * ldc), c50, c51, add);
            return;
        }

        // An edge block: through a scratch tile, storing only what lies inside C.
        Span<float> tile = stackalloc float[Mr * Nr];
        ref float t = ref MemoryMarshal.GetReference(tile);
        c00.StoreUnsafe(ref t, 0); c01.StoreUnsafe(ref t, 8); c10.StoreUnsafe(ref t, 16); c11.StoreUnsafe(ref t, 24);
        c20.StoreUnsafe(ref t, 32); c21.StoreUnsafe(ref t, 40); c30.StoreUnsafe(ref t, 48); c31.StoreUnsafe(ref t, 56);
        c40.StoreUnsafe(ref t, 64); c41.StoreUnsafe(ref t, 72); c50.StoreUnsafe(ref t, 80); c51.StoreUnsafe(ref t, 88);
        for (int r = 0; r < rows; r++)
        for (int j = 0; j < cols; j++)
        {
            ref float cij = ref Unsafe.Add(ref c, r * ldc + j);
            cij = add ? cij + tile[r * Nr + j] : tile[r * Nr + j];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(ref float row, Vector256<float> low, Vector256<float> high, bool add)
    {
        if (add)
        {
            low += Vector256.LoadUnsafe(ref row);
            high += Vector256.LoadUnsafe(ref row, 8);
        }
        low.StoreUnsafe(ref row);
        high.StoreUnsafe(ref row, 8);
    }

    /// <summary>
    /// op(B) as 16-column panels, slice by slice of k: the panel of columns [16 j, 16 j + 16) over rows [p0, p0 + kc)
    /// starts at p0 * paddedN + j * kc * 16 and holds row after row of 16 values, zeros past N.
    /// </summary>
    private static void PackB(ReadOnlySpan<float> b, MatMulShape shape, Span<float> packed)
    {
        int n = shape.N, panels = Panels(n);
        for (int p0 = 0; p0 < shape.K; p0 += Kc)
        {
            int kc = Math.Min(Kc, shape.K - p0);
            for (int pj = 0; pj < panels; pj++)
            {
                Span<float> panel = packed.Slice(p0 * panels * Nr + pj * kc * Nr, kc * Nr);
                int j0 = pj * Nr, cols = Math.Min(Nr, n - j0);
                if (cols < Nr) panel.Clear();
                if (shape.BCol == 1 && cols == Nr) // rows of B are contiguous: copy 16 at a time
                    for (int p = 0; p < kc; p++)
                        b.Slice((p0 + p) * shape.BRow + j0, Nr).CopyTo(panel.Slice(p * Nr, Nr));
                else // walk each column of B down k (contiguous when B is stored transposed)
                    for (int j = 0; j < cols; j++)
                    for (int p = 0; p < kc; p++)
                        panel[p * Nr + j] = b[(p0 + p) * shape.BRow + (j0 + j) * shape.BCol];
            }
        }
    }

    private static void Validate(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, MatMulShape shape)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shape.M, nameof(shape));
        ArgumentOutOfRangeException.ThrowIfNegative(shape.N, nameof(shape));
        ArgumentOutOfRangeException.ThrowIfNegative(shape.K, nameof(shape));
        if (shape.ARow < 0 || shape.ACol < 0 || shape.BRow < 0 || shape.BCol < 0)
            throw new ArgumentOutOfRangeException(nameof(shape), shape, "Strides must not be negative.");
        if (shape.M == 0 || shape.N == 0) return;
        if (c.Length < (long)shape.M * shape.N)
            throw new ArgumentException($"C needs {(long)shape.M * shape.N} elements for {shape}, the view has {c.Length}.", nameof(c));
        if (shape.K == 0) return;
        long lastA = (long)(shape.M - 1) * shape.ARow + (long)(shape.K - 1) * shape.ACol;
        long lastB = (long)(shape.K - 1) * shape.BRow + (long)(shape.N - 1) * shape.BCol;
        if (lastA >= a.Length)
            throw new ArgumentException($"A needs {lastA + 1} elements for {shape}, the view has {a.Length}.", nameof(a));
        if (lastB >= b.Length)
            throw new ArgumentException($"B needs {lastB + 1} elements for {shape}, the view has {b.Length}.", nameof(b));
    }

    private static int Panels(int n) => (n + Nr - 1) / Nr;

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}

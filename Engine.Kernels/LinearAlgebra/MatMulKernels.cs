using ILGPU;
using TorchEbm.Launch;

namespace TorchEbm.LinearAlgebra;

/// <summary>
/// Matrix products, register-blocked: each work item computes a 4 x 4 block of C over the whole K in sixteen
/// accumulators, reading four elements of A and four of B per step of K (a quarter of the loads of one output per
/// item). Grid-stride over blocks, so it runs on the CPU accelerator's two-thread groups and on a GPU alike.
/// </summary>
/// <remarks>
/// Operands are strided (<see cref="MatMulShape"/>), so A B, A B^T and A^T B, which a linear layer's forward and
/// backward passes need, are one kernel. Outputs past the edges are skipped; out-of-range operand reads are clamped
/// to a valid index and their products discarded, so any shape works, including 1 x 1 and non-multiples of 4.
/// </remarks>
public static class MatMulKernels
{
    /// <summary>Work items for a product: one per 4 x 4 block of C.</summary>
    public static long WorkItems(MatMulShape shape) => (long)((shape.M + 3) / 4) * ((shape.N + 3) / 4);

    /// <summary>C = A B, or C += A B when shape.Accumulate is 1.</summary>
    [Kernel(Hot = true)]
    public static void Multiply(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, MatMulShape shape)
    {
        int m = shape.M, n = shape.N, blocksN = (n + 3) / 4, blocks = ((m + 3) / 4) * blocksN, stride = GridStride.Stride;
        for (int block = GridStride.Start; block < blocks; block += stride)
        {
            int i0 = block / blocksN * 4, j0 = block % blocksN * 4;
            // Rows and columns past the edge read row/column 0 instead (always valid) and are never stored.
            int ra0 = i0 * shape.ARow, ra1 = (i0 + 1 < m ? i0 + 1 : 0) * shape.ARow;
            int ra2 = (i0 + 2 < m ? i0 + 2 : 0) * shape.ARow, ra3 = (i0 + 3 < m ? i0 + 3 : 0) * shape.ARow;
            int cb0 = j0 * shape.BCol, cb1 = (j0 + 1 < n ? j0 + 1 : 0) * shape.BCol;
            int cb2 = (j0 + 2 < n ? j0 + 2 : 0) * shape.BCol, cb3 = (j0 + 3 < n ? j0 + 3 : 0) * shape.BCol;
            float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f, c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
            float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f, c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;
            for (int p = 0; p < shape.K; p++)
            {
                int ap = p * shape.ACol, bp = p * shape.BRow;
                float a0 = a[ra0 + ap], a1 = a[ra1 + ap], a2 = a[ra2 + ap], a3 = a[ra3 + ap];
                float b0 = b[bp + cb0], b1 = b[bp + cb1], b2 = b[bp + cb2], b3 = b[bp + cb3];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            StoreRow(c, shape, i0, j0, c00, c01, c02, c03);
            StoreRow(c, shape, i0 + 1, j0, c10, c11, c12, c13);
            StoreRow(c, shape, i0 + 2, j0, c20, c21, c22, c23);
            StoreRow(c, shape, i0 + 3, j0, c30, c31, c32, c33);
        }
    }

    /// <summary>Stores (or adds) four values of row i of C from column j0 on, skipping what lies past the edges.</summary>
    private static void StoreRow(ArrayView<float> c, MatMulShape shape, int i, int j0, float v0, float v1, float v2, float v3)
    {
        if (i >= shape.M) return;
        int n = shape.N, row = i * n;
        Put(c, row + j0, v0, shape.Accumulate);
        if (j0 + 1 < n) Put(c, row + j0 + 1, v1, shape.Accumulate);
        if (j0 + 2 < n) Put(c, row + j0 + 2, v2, shape.Accumulate);
        if (j0 + 3 < n) Put(c, row + j0 + 3, v3, shape.Accumulate);
    }

    private static void Put(ArrayView<float> c, int index, float value, int accumulate) =>
        c[index] = accumulate != 0 ? c[index] + value : value;

    /// <summary>Side of the square tiles <see cref="MultiplyTiled"/> stages in shared memory.</summary>
    public const int Tile = 16;

    /// <summary>Work items for <see cref="MultiplyTiled"/>: a full GPU group per tile of C.</summary>
    public static long TiledWorkItems(MatMulShape shape) =>
        (long)((shape.M + Tile - 1) / Tile) * ((shape.N + Tile - 1) / Tile) * GridStride.GpuGroupSize;

    /// <summary>
    /// C = A B (or C += A B), shared-memory tiled: each group owns a 16 x 16 tile of C and walks K in 16-wide slabs,
    /// staging a slab of A and of B in shared memory so each element is read from global memory once per tile.
    /// The group's threads share the tile's 256 outputs whatever the group size (one each in a 256-thread GPU group,
    /// 128 each in the CPU accelerator's two-thread groups), accumulating in shared memory.
    /// </summary>
    [Kernel(Hot = true)]
    public static void MultiplyTiled(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, MatMulShape shape)
    {
        ArrayView<float> tileA = SharedMemory.Allocate<float>(Tile * Tile);
        ArrayView<float> tileB = SharedMemory.Allocate<float>(Tile * Tile);
        ArrayView<float> tileC = SharedMemory.Allocate<float>(Tile * Tile);
        int m = shape.M, n = shape.N, tilesN = (n + Tile - 1) / Tile, tiles = ((m + Tile - 1) / Tile) * tilesN;
        int thread = Group.IdxX, threads = Group.DimX;
        for (int t = Grid.IdxX; t < tiles; t += Grid.DimX) // the same trip count for every thread of a group
        {
            int i0 = t / tilesN * Tile, j0 = t % tilesN * Tile;
            for (int e = thread; e < Tile * Tile; e += threads) tileC[e] = 0f;
            for (int p0 = 0; p0 < shape.K; p0 += Tile)
            {
                for (int e = thread; e < Tile * Tile; e += threads)
                {
                    int r = e / Tile, q = e % Tile;
                    tileA[e] = i0 + r < m && p0 + q < shape.K ? a[(i0 + r) * shape.ARow + (p0 + q) * shape.ACol] : 0f;
                    tileB[e] = p0 + r < shape.K && j0 + q < n ? b[(p0 + r) * shape.BRow + (j0 + q) * shape.BCol] : 0f;
                }
                Group.Barrier();
                for (int e = thread; e < Tile * Tile; e += threads)
                {
                    int r = e / Tile, q = e % Tile;
                    float sum = 0f;
                    for (int k = 0; k < Tile; k++) sum += tileA[r * Tile + k] * tileB[k * Tile + q];
                    tileC[e] += sum;
                }
                Group.Barrier();
            }
            for (int e = thread; e < Tile * Tile; e += threads)
            {
                int i = i0 + e / Tile, j = j0 + e % Tile;
                if (i < m && j < n) Put(c, i * n + j, tileC[e], shape.Accumulate);
            }
            Group.Barrier(); // tileC is reset for the next tile only after every thread has stored its part
        }
    }
}

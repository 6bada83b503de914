using TorchEbm.Kernels.Random;

namespace TorchEbm.Bench.Fill;

/// <summary>The baseline: the same Philox normal fill as <c>FillKernels.Normal</c>, as a plain C# Parallel.For.</summary>
public static class HostPhiloxFill
{
    /// <summary>Fills <paramref name="output"/> with normals, one Parallel.For chunk of blocks per worker.</summary>
    public static void Normal(float[] output, long seed, uint stream)
    {
        var rng = Philox4x32.FromSeed(seed);
        int blocks = (output.Length + 3) / 4;
        int chunks = Environment.ProcessorCount * 4;
        Parallel.For(0, chunks, chunk =>
        {
            int start = (int)((long)blocks * chunk / chunks), end = (int)((long)blocks * (chunk + 1) / chunks);
            for (int b = start; b < end; b++)
            {
                Float4 v = rng.Normal4((uint)b, 0, stream, 0);
                int i = b * 4;
                if (i + 3 < output.Length)
                {
                    output[i] = v.X; output[i + 1] = v.Y; output[i + 2] = v.Z; output[i + 3] = v.W;
                    continue;
                }
                if (i < output.Length) output[i] = v.X;
                if (i + 1 < output.Length) output[i + 1] = v.Y;
                if (i + 2 < output.Length) output[i + 2] = v.Z;
            }
        });
    }
}

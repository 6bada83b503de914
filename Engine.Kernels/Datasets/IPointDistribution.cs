using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Datasets;

/// <summary>
/// A 2-D distribution that maps four uniforms and four standard normals to one point, so a kernel can draw point
/// i from Philox counters of its own: the same seed gives the same data on every device and layout.
/// </summary>
/// <remarks>Implementations must be float32-only and free of exceptions and allocations (they run on the GPU).</remarks>
public interface IPointDistribution
{
    /// <summary>The point for uniforms <paramref name="u"/> in (0, 1) and standard normals <paramref name="z"/>.</summary>
    void Point(Float4 u, Float4 z, out float x, out float y);
}

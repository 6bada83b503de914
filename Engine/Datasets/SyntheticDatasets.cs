using TorchEbm.Kernels.Datasets;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Datasets;

/// <summary>
/// The synthetic 2-D data sets of TorchEBM, drawn on the device as (n, 2) tensors. Point i depends only on the seed
/// and i, so the same seed gives bit-identical data everywhere, and a larger n extends a smaller draw.
/// </summary>
public static class SyntheticDatasets
{
    /// <summary>The names <see cref="Create"/> accepts, with default parameters.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["eight-gaussians", "gaussian-mixture", "two-moons", "swiss-roll", "circle", "checkerboard", "pinwheel", "grid"];

    /// <summary>A data set by name (see <see cref="Names"/>) with its default parameters.</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static Tensor Create(string name, Device device, int n, long seed) => name switch
    {
        "eight-gaussians" => EightGaussians(device, n, seed),
        "gaussian-mixture" => GaussianMixture(device, n, seed),
        "two-moons" => TwoMoons(device, n, seed),
        "swiss-roll" => SwissRoll(device, n, seed),
        "circle" => Circle(device, n, seed),
        "checkerboard" => Checkerboard(device, n, seed),
        "pinwheel" => Pinwheel(device, n, seed),
        "grid" => Grid(device, n, seed),
        _ => throw new ArgumentException($"Unknown data set '{name}'; choose one of {string.Join(", ", Names)}.", nameof(name)),
    };

    /// <summary>Equal-weight Gaussians on a circle.</summary>
    public static Tensor GaussianMixture(Device device, int n, long seed, int components = 8, float std = 0.05f, float radius = 1f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(components, 1);
        Check.NonNegativeFinite(std);
        Check.PositiveFinite(radius);
        return Draw(device, n, seed, new GaussianMixture(components, std, radius));
    }

    /// <summary>Eight Gaussians at distance <paramref name="scale"/> from the origin.</summary>
    public static Tensor EightGaussians(Device device, int n, long seed, float std = 0.02f, float scale = 2f)
    {
        Check.NonNegativeFinite(std);
        Check.PositiveFinite(scale);
        return Draw(device, n, seed, new EightGaussians(std, scale));
    }

    /// <summary>Two interleaved half circles (scikit-learn's make_moons).</summary>
    public static Tensor TwoMoons(Device device, int n, long seed, float noise = 0.05f)
    {
        Check.NonNegativeFinite(noise);
        return Draw(device, n, seed, new TwoMoons(noise));
    }

    /// <summary>A 2-D Swiss roll.</summary>
    public static Tensor SwissRoll(Device device, int n, long seed, float noise = 0.05f)
    {
        Check.NonNegativeFinite(noise);
        return Draw(device, n, seed, new SwissRoll(noise));
    }

    /// <summary>A noisy circle.</summary>
    public static Tensor Circle(Device device, int n, long seed, float noise = 0.05f, float radius = 1f)
    {
        Check.NonNegativeFinite(noise);
        Check.PositiveFinite(radius);
        return Draw(device, n, seed, new Circle(noise, radius));
    }

    /// <summary>The dark squares of a 4 x 4 checkerboard of side <paramref name="range"/>.</summary>
    public static Tensor Checkerboard(Device device, int n, long seed, float range = 4f, float noise = 0.01f)
    {
        Check.PositiveFinite(range);
        Check.NonNegativeFinite(noise);
        return Draw(device, n, seed, new Checkerboard(range, noise));
    }

    /// <summary>A pinwheel with <paramref name="classes"/> arms.</summary>
    public static Tensor Pinwheel(Device device, int n, long seed, int classes = 5, float noise = 0.05f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        Check.NonNegativeFinite(noise);
        return Draw(device, n, seed, new Pinwheel(classes, noise));
    }

    /// <summary>A grid of <paramref name="perDim"/> x <paramref name="perDim"/> points over [-range, range]^2.</summary>
    public static Tensor Grid(Device device, int n, long seed, int perDim = 10, float range = 1f, float noise = 0.01f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perDim, 1);
        Check.PositiveFinite(range);
        Check.NonNegativeFinite(noise);
        return Draw(device, n, seed, new Grid(perDim, range, noise));
    }

    private static Tensor Draw<TDistribution>(Device device, int n, long seed, TDistribution distribution)
        where TDistribution : struct, IPointDistribution
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        Tensor data = device.Allocate([n, 2]);
        device.Launch(DatasetKernels.Generate, n, data.View, Philox4x32.FromSeed(seed), distribution);
        return data;
    }
}

using ILGPU.Runtime;
using TorchEbm.Fill;
using TorchEbm.Kernels.Random;

namespace TorchEbm;

public sealed partial class Device
{
    // Philox counter word 2 ("stream") per fill kind, so Rand and Randn with one seed are independent.
    private const uint UniformStream = 1;
    private const uint NormalStream = 2;

    /// <summary>
    /// Opens a <see cref="DisposeScope"/>: tensors this thread creates on this device until it is disposed are freed
    /// with it, unless handed out with <see cref="DisposeScope.Keep"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The device has been disposed.</exception>
    public DisposeScope NewScope()
    {
        ThrowIfDisposed();
        return new DisposeScope(this);
    }

    /// <summary>A tensor of the given shape filled with zeros.</summary>
    /// <exception cref="ArgumentException">Rank outside 1-3 or a dimension below 1.</exception>
    public Tensor Zeros(params int[] shape)
    {
        Tensor t = Allocate(shape);
        t.View.MemSetToZero();
        return t;
    }

    /// <summary>A tensor of the given shape with every element equal to <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">Rank outside 1-3 or a dimension below 1.</exception>
    public Tensor Full(float value, params int[] shape)
    {
        Tensor t = Allocate(shape);
        Fill(t.View, value);
        return t;
    }

    /// <summary>Sets every element of <paramref name="view"/> (this device's memory) to <paramref name="value"/>: on the CPU
    /// the kernel's stores without its launch (no ILGPU task object), else <see cref="FillKernels.Constant"/>.</summary>
    internal void Fill(ILGPU.ArrayView<float> view, float value)
    {
        if (Kind == DeviceKind.Cpu) HostMemory.Of(view).Fill(value);
        else Launch(FillKernels.Constant, view.Length, view, value);
    }

    /// <summary>Copies <paramref name="data"/> into <paramref name="view"/> (this device's memory, the same length): on the
    /// CPU a plain copy into the memory (ILGPU's copy allocates a few objects per call), else ILGPU's upload.</summary>
    internal void CopyFromHost(ReadOnlySpan<float> data, ILGPU.ArrayView<float> view)
    {
        if (Kind == DeviceKind.Cpu) data.CopyTo(HostMemory.Of(view));
        else view.CopyFromCPU(data);
    }

    /// <summary>Copies host data (row-major) into a new tensor of the given shape.</summary>
    /// <exception cref="ArgumentException">The shape is invalid or its element count differs from <c>data.Length</c>.</exception>
    public Tensor FromArray(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        return FromSpan(data, shape);
    }

    /// <summary>Copies host data (row-major) from any span (an array, a slice, stack or native memory) into a new tensor.</summary>
    /// <exception cref="ArgumentException">The shape is invalid or its element count differs from <c>data.Length</c>.</exception>
    public Tensor FromSpan(ReadOnlySpan<float> data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        int length = Check.ShapeLength(shape, nameof(shape));
        if (length != data.Length)
            throw new ArgumentException(
                $"shape {Check.Format(shape)} holds {length} elements but data has {data.Length} (shape ({data.Length},)).",
                nameof(shape));
        Tensor t = Allocate(shape);
        CopyFromHost(data, t.View);
        return t;
    }

    /// <summary>Copies a host matrix into a new tensor of shape (rows, columns).</summary>
    /// <exception cref="ArgumentException">The matrix has no rows or no columns.</exception>
    public Tensor FromArray(float[,] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int rows = data.GetLength(0), cols = data.GetLength(1);
        if (rows == 0 || cols == 0)
            throw new ArgumentException($"data must have at least one row and one column, got shape ({rows}, {cols}).", nameof(data));
        var flat = new float[rows * cols];
        System.Buffer.BlockCopy(data, 0, flat, 0, flat.Length * sizeof(float));
        return FromArray(flat, rows, cols);
    }

    /// <summary>A (rows, cols) tensor of independent standard normals; the same seed gives bit-identical tensors.</summary>
    public Tensor Randn(int rows, int cols, long seed) => Randn([rows, cols], seed);

    /// <summary>A tensor of independent standard normals (Philox4x32-10 + Box-Muller) keyed by <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentException">Rank outside 1-3 or a dimension below 1.</exception>
    public Tensor Randn(int[] shape, long seed)
    {
        Tensor t = Allocate(shape);
        Launch(FillKernels.Normal, FillKernels.BlocksFor(t.Length), t.View, Philox4x32.FromSeed(seed), NormalStream);
        return t;
    }

    /// <summary>A (rows, cols) tensor of independent uniforms in (0, 1); the same seed gives bit-identical tensors.</summary>
    public Tensor Rand(int rows, int cols, long seed) => Rand([rows, cols], seed);

    /// <summary>A tensor of independent uniforms strictly inside (0, 1) (Philox4x32-10) keyed by <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentException">Rank outside 1-3 or a dimension below 1.</exception>
    public Tensor Rand(int[] shape, long seed)
    {
        Tensor t = Allocate(shape);
        Launch(FillKernels.Uniform, FillKernels.BlocksFor(t.Length), t.View, Philox4x32.FromSeed(seed), UniformStream);
        return t;
    }

    /// <summary>An uninitialised tensor shaped like <paramref name="like"/> (sharing its shape array: shapes never change).</summary>
    internal Tensor AllocateLike(Tensor like)
    {
        ThrowIfDisposed();
        return new Tensor(this, like.SharedShape, like.Length);
    }

    /// <summary>A tensor of zeros shaped like <paramref name="like"/>.</summary>
    internal Tensor ZerosLike(Tensor like)
    {
        Tensor t = AllocateLike(like);
        t.View.MemSetToZero();
        return t;
    }

    /// <summary>An uninitialised tensor: validates the shape first, so a bad shape allocates nothing.</summary>
    internal Tensor Allocate(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ThrowIfDisposed();
        int length = Check.ShapeLength(shape, nameof(shape));
        return new Tensor(this, (int[])shape.Clone(), length);
    }
}

namespace TorchEbm.Checkpoints;

/// <summary>One float32 tensor of a safetensors file, on the host.</summary>
/// <param name="Name">The tensor's key.</param>
/// <param name="Shape">Its shape (empty for a scalar).</param>
/// <param name="Data">Its elements, row-major.</param>
public sealed record SafeTensor(string Name, int[] Shape, float[] Data)
{
    /// <summary>The shape as PyTorch prints it, e.g. (16, 2).</summary>
    public string ShapeText => $"({string.Join(", ", Shape)}{(Shape.Length == 1 ? "," : "")})";
}

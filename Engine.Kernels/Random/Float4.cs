namespace TorchEbm.Random;

/// <summary>Four float32 values drawn from one Philox block.</summary>
public readonly record struct Float4(float X, float Y, float Z, float W);

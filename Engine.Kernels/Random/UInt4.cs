namespace TorchEbm.Kernels.Random;

/// <summary>Four 32-bit words: one Philox output block.</summary>
public readonly record struct UInt4(uint X, uint Y, uint Z, uint W);

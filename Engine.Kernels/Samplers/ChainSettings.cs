namespace TorchEbm.Kernels.Samplers;

/// <summary>Scalars of a chain launch that every transition shares, bundled so kernels stay within ILGPU's parameter limits.</summary>
/// <param name="Dim">Sample dimension d.</param>
/// <param name="Steps">Steps to run in this launch.</param>
/// <param name="FirstStep">Global index of the launch's first step (Philox counter word 1); step s of the launch reads row s
/// of the schedule tables (their last row when shorter).</param>
/// <param name="Thin">Keep every Thin-th state in the trajectory (when it has room).</param>
/// <param name="Call">Philox counter word 3: separates the noise of successive calls with one seed.</param>
/// <remarks>Only int and uint fields: ILGPU rejects bool kernel parameters.</remarks>
public readonly record struct ChainSettings(int Dim, int Steps, int FirstStep, int Thin, uint Call);

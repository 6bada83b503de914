namespace TorchEbm.Kernels.Samplers;

/// <summary>Scalars of a Langevin launch, bundled so kernels stay within ILGPU's parameter limits.</summary>
/// <param name="Dim">Sample dimension d.</param>
/// <param name="Steps">Steps to run in this launch.</param>
/// <param name="FirstStep">Global index of the launch's first step (Philox counter word 1); step s of the launch reads row s
/// of the schedule tables (their last row when shorter).</param>
/// <param name="Thin">Keep every Thin-th state in the trajectory (when it has room).</param>
/// <param name="Call">Philox counter word 3: separates the noise of successive calls with one seed.</param>
/// <param name="ClampMin">Every coordinate is clamped into [ClampMin, ClampMax] after each step (infinite: no clamp).</param>
/// <param name="ClampMax">Upper clamp bound.</param>
/// <remarks>Only int, uint and float fields: ILGPU rejects bool kernel parameters.</remarks>
public readonly record struct LangevinSettings(
    int Dim, int Steps, int FirstStep, int Thin, uint Call, float ClampMin, float ClampMax);

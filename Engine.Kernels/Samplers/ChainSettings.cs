namespace TorchEbm.Kernels.Samplers;

/// <summary>Scalars of a chain launch that every transition shares, bundled so kernels stay within ILGPU's parameter limits.</summary>
/// <param name="Dim">Sample dimension d.</param>
/// <param name="Steps">Steps to run in this launch.</param>
/// <param name="FirstStep">Global index of the launch's first step (Philox counter word 1); step s of the launch reads row s
/// of the schedule tables (their last row when shorter).</param>
/// <param name="Thin">Keep every Thin-th state in the trajectory (when it has room).</param>
/// <param name="Call">Philox counter word 3: separates the noise of successive calls with one seed; warm-up steps
/// set its top bit (<see cref="WarmupCall"/>).</param>
/// <param name="Start">1: evaluate every chain at its position and let the transition take it before the first step
/// (the first launch of a run); 0: the chains' state carries over from the previous launch.</param>
/// <param name="FirstChain">Global index of the launch's chain 0 (Philox counter word 0 of chain c is FirstChain + c), so a
/// launch over chains [a, b) of a larger run, with FirstChain a, draws exactly the noise those chains draw in the whole run
/// (sharded sampling over several processes).</param>
/// <remarks>Only int and uint fields: ILGPU rejects bool kernel parameters.</remarks>
public readonly record struct ChainSettings(int Dim, int Steps, int FirstStep, int Thin, uint Call, int Start = 1, int FirstChain = 0)
{
    /// <summary>Philox chain word of the launch's chain c.</summary>
    public uint ChainWord(int c) => (uint)(FirstChain + c);

    /// <summary>Philox step word of launch step s.</summary>
    public uint StepWord(int s) => (uint)(FirstStep + s);

    /// <summary>The call word of warm-up steps, disjoint from every sampling call's noise.</summary>
    public static uint WarmupCall(uint call) => call | 0x8000_0000u;
}

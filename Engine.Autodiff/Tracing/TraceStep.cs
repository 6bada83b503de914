using TorchEbm.Traced;

namespace TorchEbm.Autodiff;

/// <summary>
/// What an op tells the <see cref="Tracer"/> about the Var it made: the <see cref="TracedOp"/> and its attributes in the
/// <see cref="Instruction"/> layout (operands are the Var's parents). The default (no op) marks an op a trace cannot
/// replay, so a model using it keeps the step-by-step path.
/// </summary>
/// <param name="Op">The instruction, or 0 for an op with none (see <see cref="Alias"/>).</param>
/// <param name="I0">Integer attribute 0 (see <see cref="TracedOp"/> and <see cref="TracedInterpreter"/>).</param>
/// <param name="I1">Integer attribute 1.</param>
/// <param name="I2">Integer attribute 2.</param>
/// <param name="I3">Integer attribute 3.</param>
/// <param name="I4">Integer attribute 4.</param>
/// <param name="I5">Integer attribute 5.</param>
/// <param name="I6">Integer attribute 6.</param>
/// <param name="F0">Float attribute 0 (a scale, a function's parameter, a sum's factor).</param>
/// <param name="F1">Float attribute 1 (a shift).</param>
/// <param name="Alias">The result is its one parent's elements in another shape (Reshape): no instruction, the same slot.</param>
/// <param name="MixesRows">Replaying it per row is wrong when its operand depends on x (Sum(), Slice, ...): the trace refuses then.</param>
internal readonly record struct TraceStep(TracedOp Op, int I0 = 0, int I1 = 0, int I2 = 0, int I3 = 0, int I4 = 0, int I5 = 0, int I6 = 0,
    float F0 = 0f, float F1 = 0f, bool Alias = false, bool MixesRows = false)
{
    /// <summary>The result shares its parent's slot.</summary>
    public static TraceStep Reshape => new(0, Alias: true);
}

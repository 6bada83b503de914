namespace TorchEbm.Autodiff;

/// <summary>
/// What an op recorded on the tape, as data: its <see cref="NodeKind"/> and attributes (the parents live on the Var).
/// The backward drivers of the op families (Var.Arithmetic, Var.Functions, Var.Reductions, Var.Shape, Var.LinearAlgebra,
/// Var.Cholesky) read it to run both the kernel backward step and the create-graph (Var-op) one; no closure is recorded.
/// </summary>
/// <param name="Kind">The op.</param>
/// <param name="I0">Integer attribute 0 (see <see cref="NodeKind"/>).</param>
/// <param name="I1">Integer attribute 1.</param>
/// <param name="F0">Float attribute (a sign, a scale, a factor).</param>
/// <param name="F1">Second float attribute (Affine's shift).</param>
/// <param name="Data">An attribute that is not a number: an element-wise function (Var.MapFunction) or Concat's offsets.</param>
internal readonly record struct TapeNode(NodeKind Kind, int I0 = 0, int I1 = 0, float F0 = 0f, float F1 = 0f, object? Data = null);

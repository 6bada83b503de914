namespace TorchEbm.Integrators;

/// <summary>The result of an adaptive integration (<see cref="DormandPrince5.Solve"/>).</summary>
/// <param name="X">The final states (n, d); the caller owns them.</param>
/// <param name="AcceptedSteps">Steps taken.</param>
/// <param name="RejectedSteps">Steps tried and rejected because their error estimate exceeded the tolerance.</param>
/// <param name="Evaluations">Calls of the vector field.</param>
public sealed record AdaptiveSolution(Tensor X, int AcceptedSteps, int RejectedSteps, int Evaluations);

namespace TorchEbm.Tests.Posteriors;

/// <summary>One quantity of a reference posterior: its mean and sd over posteriordb's reference draws, with their Monte Carlo standard errors.</summary>
public sealed record ReferenceQuantity(string Name, double Mean, double Sd, double McseMean, double McseSd);

namespace TorchEbm.Samplers;

/// <summary>
/// One sign, found in a finished run, that its draws may not represent the target: see
/// <see cref="ChainResult.Warnings"/> for when each <see cref="SamplingWarningKind"/> is raised.
/// </summary>
/// <param name="Kind">What the warning is about.</param>
/// <param name="Message">One line for a person: the numbers found, the threshold, and what usually helps. Parameters are
/// named x1, x2, ... (1-based) as in the CLI's CSV.</param>
/// <param name="Parameter">For R-hat and ESS warnings, the 0-based index of the worst parameter; otherwise null.</param>
public sealed record SamplingWarning(SamplingWarningKind Kind, string Message, int? Parameter = null)
{
    /// <summary>The <see cref="Message"/>.</summary>
    public override string ToString() => Message;
}

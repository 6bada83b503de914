namespace TorchEbm.Cli.Errors;

/// <summary>The exit codes of every <c>torchebm</c> command (also in each command's --help and in README.md).</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>An unexpected failure (a bug): one line on stderr, the stack trace too with TORCHEBM_DEBUG=1.</summary>
    public const int Internal = 1;

    /// <summary>Bad usage or input: an option, a path, a checkpoint, a device that is not there.</summary>
    public const int Usage = 2;

    /// <summary><c>train</c>: the loss or the energies became NaN, infinite or beyond 1e8 in magnitude, or the final samples NaN or infinite; <c>sample</c>: a sample is NaN or infinite (outputs are still written).</summary>
    public const int Diverged = 3;

    /// <summary><c>sample --fail-on-warning</c>: the run raised a sampling warning (R-hat, ESS, divergences, ...; outputs are still written).</summary>
    public const int Warning = 4;

    /// <summary>The sentence the commands' descriptions end with.</summary>
    public const string Help = "Exit codes: 0 ok, 2 usage or input error, 3 diverged (NaN, infinite or exploding loss or samples), " +
                               "4 sampling warnings (sample --fail-on-warning only), 1 internal error.";
}

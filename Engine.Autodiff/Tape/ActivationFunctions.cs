using TorchEbm.Functions;

namespace TorchEbm.Autodiff;

/// <summary>Maps each <see cref="Activation"/> to its kernel struct: the one place that choice is made.</summary>
public static class ActivationFunctions
{
    /// <summary>
    /// Calls <paramref name="visitor"/> with the struct of <paramref name="activation"/> (PyTorch's default constants:
    /// LeakyReLU slope 0.01, ELU alpha 1).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="activation"/> is not a defined value.</exception>
    public static TResult Accept<TResult>(this Activation activation, IUnaryFunctionVisitor<TResult> visitor)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        return Visit<TResult, IUnaryFunctionVisitor<TResult>>(activation, visitor);
    }

    /// <summary>
    /// <see cref="Accept{TResult}"/> for a visitor of a known type: a struct visitor is called without being boxed (so
    /// <see cref="Var.Apply"/> allocates no visitor per op).
    /// </summary>
    internal static TResult Visit<TResult, TVisitor>(Activation activation, TVisitor visitor) where TVisitor : IUnaryFunctionVisitor<TResult>
    {
        return activation switch
        {
            Activation.ReLU => visitor.Visit(new ReLU()),
            Activation.LeakyReLU => visitor.Visit(new LeakyReLU(0.01f)),
            Activation.Tanh => visitor.Visit(new Tanh()),
            Activation.Sigmoid => visitor.Visit(new Sigmoid()),
            Activation.Softplus => visitor.Visit(new Softplus()),
            Activation.SiLU => visitor.Visit(new SiLU()),
            Activation.ELU => visitor.Visit(new ELU(1f)),
            Activation.GELU => visitor.Visit(new GELU()),
            _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
        };
    }
}

namespace TorchEbm.Autodiff;

/// <summary><see cref="DisposeScope.Keep"/> for a <see cref="Var"/>.</summary>
public static class DisposeScopeExtensions
{
    /// <summary>
    /// Keeps <paramref name="var"/>'s value (and gradient, if any) out of <paramref name="scope"/>, as
    /// <see cref="DisposeScope.Keep"/> does for a tensor. The graph behind it is still freed with the scope, so keep a
    /// Var for its value, not to call Backward() through it later.
    /// </summary>
    public static Var Keep(this DisposeScope scope, Var var)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(var);
        scope.Keep(var.Value);
        if (var.Grad is Tensor grad) scope.Keep(grad);
        return var;
    }
}

namespace TorchEbm.Autodiff;

/// <summary>Element-wise activations, with PyTorch's definitions and default constants.</summary>
public enum Activation
{
    /// <summary>max(x, 0).</summary>
    ReLU,

    /// <summary>x for x &gt; 0, 0.01 x otherwise.</summary>
    LeakyReLU,

    /// <summary>tanh x.</summary>
    Tanh,

    /// <summary>1 / (1 + e^-x).</summary>
    Sigmoid,

    /// <summary>ln(1 + e^x).</summary>
    Softplus,

    /// <summary>x sigmoid(x), also called Swish.</summary>
    SiLU,

    /// <summary>x for x &gt; 0, e^x - 1 otherwise.</summary>
    ELU,

    /// <summary>x Phi(x), the exact (erf) form.</summary>
    GELU,
}

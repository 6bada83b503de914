using TorchEbm.Functions;

namespace TorchEbm.Traced;

/// <summary>
/// The element-wise functions a traced program can apply (<see cref="TracedOp.Map"/>), one code per
/// <see cref="IUnaryFunction"/> struct; the formulas stay in those structs (<see cref="UnaryCodes"/> dispatches to them).
/// </summary>
public enum UnaryCode
{
    /// <summary><see cref="Functions.Square"/>.</summary>
    Square = 1,
    /// <summary><see cref="Functions.Exp"/>.</summary>
    Exp,
    /// <summary><see cref="Functions.Log"/>.</summary>
    Log,
    /// <summary><see cref="Functions.Power"/> (parameter: the exponent).</summary>
    Power,
    /// <summary><see cref="Functions.Sqrt"/>.</summary>
    Sqrt,
    /// <summary><see cref="Functions.Abs"/>.</summary>
    Abs,
    /// <summary><see cref="Functions.Sin"/>.</summary>
    Sin,
    /// <summary><see cref="Functions.Cos"/>.</summary>
    Cos,
    /// <summary><see cref="Functions.Tanh"/>.</summary>
    Tanh,
    /// <summary><see cref="Functions.Sigmoid"/>.</summary>
    Sigmoid,
    /// <summary><see cref="Functions.Softplus"/>.</summary>
    Softplus,
    /// <summary><see cref="Functions.ReLU"/>.</summary>
    ReLU,
    /// <summary><see cref="Functions.LeakyReLU"/> (parameter: the slope).</summary>
    LeakyReLU,
    /// <summary><see cref="Functions.ELU"/> (parameter: alpha).</summary>
    ELU,
    /// <summary><see cref="Functions.GELU"/>.</summary>
    GELU,
    /// <summary><see cref="Functions.SiLU"/>.</summary>
    SiLU,
}

/// <summary>Maps function structs to <see cref="UnaryCode"/>s (on the host) and codes back to the structs' formulas (in kernels).</summary>
public static class UnaryCodes
{
    /// <summary>The code of <paramref name="function"/> and its parameter (0 when it has none), or null for a function a program cannot apply.</summary>
    public static UnaryCode? Of<TFunction>(TFunction function, out float parameter) where TFunction : struct, IUnaryFunction
    {
        parameter = 0f;
        switch (function)
        {
            case Functions.Square: return UnaryCode.Square;
            case Functions.Exp: return UnaryCode.Exp;
            case Functions.Log: return UnaryCode.Log;
            case Functions.Power p: parameter = p.Exponent; return UnaryCode.Power;
            case Functions.Sqrt: return UnaryCode.Sqrt;
            case Functions.Abs: return UnaryCode.Abs;
            case Functions.Sin: return UnaryCode.Sin;
            case Functions.Cos: return UnaryCode.Cos;
            case Functions.Tanh: return UnaryCode.Tanh;
            case Functions.Sigmoid: return UnaryCode.Sigmoid;
            case Functions.Softplus: return UnaryCode.Softplus;
            case Functions.ReLU: return UnaryCode.ReLU;
            case Functions.LeakyReLU l: parameter = l.Slope; return UnaryCode.LeakyReLU;
            case Functions.ELU e: parameter = e.Alpha; return UnaryCode.ELU;
            case Functions.GELU: return UnaryCode.GELU;
            case Functions.SiLU: return UnaryCode.SiLU;
            default: return null;
        }
    }

    /// <summary>f(x) for the function of <paramref name="code"/> with <paramref name="parameter"/> (kernel code).</summary>
    public static float Apply(int code, float parameter, float x) => code switch
    {
        (int)UnaryCode.Square => new Functions.Square().Apply(x),
        (int)UnaryCode.Exp => new Functions.Exp().Apply(x),
        (int)UnaryCode.Log => new Functions.Log().Apply(x),
        (int)UnaryCode.Power => new Power(parameter).Apply(x),
        (int)UnaryCode.Sqrt => new Functions.Sqrt().Apply(x),
        (int)UnaryCode.Abs => new Functions.Abs().Apply(x),
        (int)UnaryCode.Sin => new Functions.Sin().Apply(x),
        (int)UnaryCode.Cos => new Functions.Cos().Apply(x),
        (int)UnaryCode.Tanh => new Functions.Tanh().Apply(x),
        (int)UnaryCode.Sigmoid => new Functions.Sigmoid().Apply(x),
        (int)UnaryCode.Softplus => new Functions.Softplus().Apply(x),
        (int)UnaryCode.ReLU => new ReLU().Apply(x),
        (int)UnaryCode.LeakyReLU => new LeakyReLU(parameter).Apply(x),
        (int)UnaryCode.ELU => new ELU(parameter).Apply(x),
        (int)UnaryCode.GELU => new GELU().Apply(x),
        _ => new SiLU().Apply(x),
    };

    /// <summary>f'(x) for the function of <paramref name="code"/> with <paramref name="parameter"/> (kernel code).</summary>
    public static float Derivative(int code, float parameter, float x) => code switch
    {
        (int)UnaryCode.Square => new Functions.Square().Derivative(x),
        (int)UnaryCode.Exp => new Functions.Exp().Derivative(x),
        (int)UnaryCode.Log => new Functions.Log().Derivative(x),
        (int)UnaryCode.Power => new Power(parameter).Derivative(x),
        (int)UnaryCode.Sqrt => new Functions.Sqrt().Derivative(x),
        (int)UnaryCode.Abs => new Functions.Abs().Derivative(x),
        (int)UnaryCode.Sin => new Functions.Sin().Derivative(x),
        (int)UnaryCode.Cos => new Functions.Cos().Derivative(x),
        (int)UnaryCode.Tanh => new Functions.Tanh().Derivative(x),
        (int)UnaryCode.Sigmoid => new Functions.Sigmoid().Derivative(x),
        (int)UnaryCode.Softplus => new Functions.Softplus().Derivative(x),
        (int)UnaryCode.ReLU => new ReLU().Derivative(x),
        (int)UnaryCode.LeakyReLU => new LeakyReLU(parameter).Derivative(x),
        (int)UnaryCode.ELU => new ELU(parameter).Derivative(x),
        (int)UnaryCode.GELU => new GELU().Derivative(x),
        _ => new SiLU().Derivative(x),
    };
}

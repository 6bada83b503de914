using System.Runtime.CompilerServices;
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

/// <summary>Maps function structs to <see cref="UnaryCode"/>s (on the host) and codes back to the structs (in kernels, <see cref="Visit"/>).</summary>
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

    /// <summary>
    /// Calls <paramref name="visitor"/> with the function struct of <paramref name="code"/> and <paramref name="parameter"/>:
    /// the one dispatch from a code to a formula, once per instruction, so the visitor's loop over elements is specialised
    /// to the function (kernel code).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Visit<TVisitor>(int code, float parameter, TVisitor visitor) where TVisitor : struct, IUnaryVisitor
    {
        switch (code)
        {
            case (int)UnaryCode.Square: visitor.Visit(new Functions.Square()); break;
            case (int)UnaryCode.Exp: visitor.Visit(new Functions.Exp()); break;
            case (int)UnaryCode.Log: visitor.Visit(new Functions.Log()); break;
            case (int)UnaryCode.Power: visitor.Visit(new Power(parameter)); break;
            case (int)UnaryCode.Sqrt: visitor.Visit(new Functions.Sqrt()); break;
            case (int)UnaryCode.Abs: visitor.Visit(new Functions.Abs()); break;
            case (int)UnaryCode.Sin: visitor.Visit(new Functions.Sin()); break;
            case (int)UnaryCode.Cos: visitor.Visit(new Functions.Cos()); break;
            case (int)UnaryCode.Tanh: visitor.Visit(new Functions.Tanh()); break;
            case (int)UnaryCode.Sigmoid: visitor.Visit(new Functions.Sigmoid()); break;
            case (int)UnaryCode.Softplus: visitor.Visit(new Functions.Softplus()); break;
            case (int)UnaryCode.ReLU: visitor.Visit(new ReLU()); break;
            case (int)UnaryCode.LeakyReLU: visitor.Visit(new LeakyReLU(parameter)); break;
            case (int)UnaryCode.ELU: visitor.Visit(new ELU(parameter)); break;
            case (int)UnaryCode.GELU: visitor.Visit(new GELU()); break;
            default: visitor.Visit(new SiLU()); break;
        }
    }
}

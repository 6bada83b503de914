using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TorchEbm.Elementwise;
using TorchEbm.Functions;
using TorchEbm.Numerics;

namespace TorchEbm.Traced;

/// <summary>
/// Compiles a traced program into one host method for eight chains (<see cref="CompiledEnergy"/>, lanes of
/// <see cref="Real8"/>): the forward sweep then the reverse sweep of <see cref="TracedInterpreter"/>, unrolled over the
/// program's elements, every value and adjoint a local the JIT keeps in registers where it can. Host-only (ILGPU cannot
/// compile dynamic methods; the kernels keep the interpreter).
/// </summary>
/// <remarks>
/// <para>No formula is written here: each element calls the op struct the interpreter calls (<see cref="IBinaryOp"/>'s
/// Apply and partials, <see cref="IUnaryFunction"/>'s Apply and Derivative, <see cref="Real8"/>'s operators,
/// MultiplyAdd and From), in the interpreter's order: adjoints start at 0 and every contribution is added in the reverse
/// sweep's order, so each lane equals the interpreter (and the kernel) bit for bit. Constants are read from the pool at
/// every call (parameters change between runs); an instruction's float attributes (an Affine's scale, a mean's factor, a
/// function's parameter) are literals. The only work left out is adding into adjoints nothing reads: those of values
/// computed without x (the reverse sweep never visits their instructions), which cannot change dE/dx.</para>
/// <para>Size rule: unrolled code grows with elements x instructions, and the JIT tracks at most 1024 locals and stops
/// inlining in a method with more than 512. A program is compiled when its values and adjoints need at most
/// <see cref="MaxLocals"/> locals and its sweeps at most <see cref="MaxOperations"/> element operations; larger ones keep
/// the interpreter (<see cref="Refusal"/> says why).</para>
/// </remarks>
internal static class TracedCompiler
{
    /// <summary>Most locals (values written plus adjoints read) a compiled program may use.</summary>
    public const int MaxLocals = 400;

    /// <summary>Most element operations (forward plus reverse sweep) a compiled program may have.</summary>
    public const int MaxOperations = 6000;

    /// <summary>Whether this runtime compiles dynamic methods to machine code (false under NativeAOT or an interpreter).</summary>
    public static bool IsSupported => RuntimeFeature.IsDynamicCodeSupported && RuntimeFeature.IsDynamicCodeCompiled;

    private static readonly Type R = typeof(Real8), V = typeof(Vector256<float>);
    private static readonly MethodInfo From = R.GetMethod(nameof(Real8.From), [typeof(float)])!;
    private static readonly MethodInfo Add = R.GetMethod("op_Addition", [R, R])!;
    private static readonly MethodInfo Multiply = R.GetMethod("op_Multiply", [R, R])!;
    private static readonly MethodInfo MultiplyAdd = R.GetMethod(nameof(Real8.MultiplyAdd), [R, R, R])!;
    private static readonly MethodInfo Wrap = R.GetMethod("op_Implicit", [V])!;
    private static readonly MethodInfo Unwrap = R.GetMethod("op_Implicit", [R])!;

    /// <summary>
    /// Why <paramref name="program"/> is not compiled for <paramref name="dim"/> coordinates (the runtime, the size rule),
    /// or null when <see cref="Compile"/> compiles it.
    /// </summary>
    public static string? Refusal<TCode>(in TCode program, int dim) where TCode : struct, ITracedCode
    {
        if (!IsSupported) return "this runtime does not compile dynamic code";
        var (locals, operations) = Size(program, dim);
        if (locals > MaxLocals) return $"{locals} values and adjoints per chain (compiled up to {MaxLocals})";
        if (operations > MaxOperations) return $"{operations} element operations (compiled up to {MaxOperations})";
        return null;
    }

    /// <summary>
    /// <paramref name="program"/> compiled for <paramref name="dim"/> coordinates and a pool of <paramref name="poolFloats"/>
    /// floats, or null when <see cref="Refusal"/> refuses it (or it reads past those lengths).
    /// </summary>
    public static CompiledEnergy? Compile<TCode>(in TCode program, int dim, int poolFloats) where TCode : struct, ITracedCode
    {
        if (Refusal(program, dim) is not null) return null;
        var method = new DynamicMethod("Traced", V, [V.MakeByRefType(), V.MakeByRefType(), typeof(float).MakeByRefType()],
            typeof(TracedCompiler).Module, skipVisibility: true) { InitLocals = false };
        var emitter = new Emitter(method.GetILGenerator(), program.Values, dim, Live(program, dim));
        for (int n = 0; n < program.Length; n++) emitter.Forward(program[n]);
        emitter.SeedAdjoints(program.Result);
        for (int n = program.Length - 1; n >= 0; n--)
            if (program[n].ReadsX) emitter.Backward(program[n]);
        emitter.Finish(program.Result);
        if (emitter.PoolRead > poolFloats || emitter.Failed) return null;
        return method.CreateDelegate<CompiledEnergy>();
    }

    /// <summary>The locals (values written, adjoints read) and element operations of <paramref name="program"/>.</summary>
    private static (int Locals, int Operations) Size<TCode>(in TCode program, int dim) where TCode : struct, ITracedCode
    {
        bool[] live = Live(program, dim);
        var written = new bool[program.Values];
        long operations = 0;
        for (int n = 0; n < program.Length; n++)
        {
            TracedInstruction i = program[n];
            (int start, int length) = Output(i);
            for (int e = start; e < start + length && e < written.Length; e++) written[e] = true;
            long elements = i.Op switch
            {
                TracedOp.SumRows => (long)i.I0 * i.I1,
                TracedOp.MatMul => (long)i.I0 * i.I1 * i.I2,
                _ => length,
            };
            operations += i.ReadsX ? 3 * elements : elements;
        }
        return (written.Count(w => w) + live.Count(l => l), (int)Math.Min(operations, int.MaxValue));
    }

    /// <summary>The slots an instruction writes: a range from its output slot (a concatenation's part writes only some of it).</summary>
    private static (int Start, int Length) Output(in TracedInstruction i) => i.Op switch
    {
        TracedOp.Binary => (i.Out, i.I1 * i.I2),
        TracedOp.SumRows => (i.Out, i.I0),
        TracedOp.Gather => (i.Out, i.I0 * i.I3),
        TracedOp.Place => (i.Out, i.I0 * i.I1),
        TracedOp.MatMul => (i.Out, i.I0 * i.I2),
        _ => (i.Out, i.I0), // Affine, Map
    };

    /// <summary>
    /// The adjoints the reverse sweep reads: x's (dE/dx) and the outputs of the instructions it visits. Adding into any
    /// other adjoint cannot change the result, so the compiled sweep leaves it out.
    /// </summary>
    private static bool[] Live<TCode>(in TCode program, int dim) where TCode : struct, ITracedCode
    {
        var live = new bool[Math.Max(program.Values, dim)];
        for (int s = 0; s < dim; s++) live[s] = true;
        for (int n = 0; n < program.Length; n++)
        {
            TracedInstruction i = program[n];
            if (!i.ReadsX) continue;
            (int start, int length) = Output(i);
            for (int e = start; e < start + length && e < live.Length; e++) live[e] = true;
        }
        return live;
    }

    /// <summary>The IBinaryOp struct of an <see cref="Arithmetic"/> code, as the interpreter dispatches it (anything else divides).</summary>
    private static Type BinaryOp(int code) => code switch
    {
        Arithmetic.Add => typeof(Addition),
        Arithmetic.Subtract => typeof(Subtraction),
        Arithmetic.Multiply => typeof(Multiplication),
        _ => typeof(Division),
    };

    /// <summary>The generic static member <paramref name="name"/> of an op struct, over <see cref="Real8"/>.</summary>
    private static MethodInfo OverReal8(Type type, string name) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.Static).Single(m => m.Name == name && m.IsGenericMethodDefinition).MakeGenericMethod(R, V);

    /// <summary>The <see cref="IUnaryFunction"/> member <paramref name="name"/> as the struct implements it, over <see cref="Real8"/>.</summary>
    private static MethodInfo FunctionMember(Type function, string name)
    {
        InterfaceMapping map = function.GetInterfaceMap(typeof(IUnaryFunction));
        int k = Array.FindIndex(map.InterfaceMethods, m => m.Name == name && m.IsGenericMethodDefinition);
        return map.TargetMethods[k].MakeGenericMethod(R, V);
    }

    /// <summary>Captures the struct <see cref="UnaryCodes.Visit"/> makes for a code (the one table from codes to functions).</summary>
    private readonly struct Capture(object?[] box) : IUnaryVisitor
    {
        public void Visit<TFunction>(TFunction function) where TFunction : struct, IUnaryFunction => box[0] = function;
    }

    /// <summary>Emits the IL of one program: values and adjoints in locals, x and the gradient through the arguments.</summary>
    private sealed class Emitter(ILGenerator il, int values, int dim, bool[] live)
    {
        private readonly LocalBuilder?[] _values = new LocalBuilder?[values];
        private readonly LocalBuilder?[] _adjoints = new LocalBuilder?[live.Length];
        private LocalBuilder? _temporary;

        /// <summary>Floats of the pool the code reads.</summary>
        public int PoolRead { get; private set; }

        /// <summary>Whether a function's struct could not be rebuilt from its code (the program then keeps the interpreter).</summary>
        public bool Failed { get; private set; }

        /// <summary>Pushes Real8.From(<paramref name="value"/>).</summary>
        private void Constant(float value)
        {
            il.Emit(OpCodes.Ldc_R4, value);
            il.Emit(OpCodes.Call, From);
        }

        /// <summary>Pushes the value in <paramref name="slot"/>: x's coordinates from the argument, others from their locals.</summary>
        private void Value(int slot)
        {
            if (slot < dim)
            {
                il.Emit(OpCodes.Ldarg_0);
                Offset(slot * 32);
                il.Emit(OpCodes.Ldobj, V);
                il.Emit(OpCodes.Call, Wrap);
            }
            else if (_values[slot] is LocalBuilder local) il.Emit(OpCodes.Ldloc, local);
            else Constant(0f); // never written: the rows' initial zeros
        }

        /// <summary>Pushes element <paramref name="index"/> of an operand (a value, or the constant pool below zero).</summary>
        private void Load(int slot, int index)
        {
            if (slot >= 0)
            {
                Value(slot + index);
                return;
            }
            int offset = -slot - 1 + index;
            PoolRead = Math.Max(PoolRead, offset + 1);
            il.Emit(OpCodes.Ldarg_2);
            Offset(offset * sizeof(float));
            il.Emit(OpCodes.Ldind_R4);
            il.Emit(OpCodes.Call, From);
        }

        /// <summary>Adds a byte offset to the pointer on the stack.</summary>
        private void Offset(int bytes)
        {
            if (bytes == 0) return;
            il.Emit(OpCodes.Ldc_I4, bytes);
            il.Emit(OpCodes.Add);
        }

        /// <summary>Pops a value into <paramref name="slot"/>.</summary>
        private void SetValue(int slot) => il.Emit(OpCodes.Stloc, _values[slot] ??= il.DeclareLocal(R));

        /// <summary>Pushes the adjoint of <paramref name="slot"/> (a live one; any other is never read).</summary>
        private void Adjoint(int slot)
        {
            if (_adjoints[slot] is LocalBuilder local) il.Emit(OpCodes.Ldloc, local);
            else Constant(0f);
        }

        /// <summary>adjoint(slot) += what <paramref name="value"/> pushes, as the interpreter's Accumulate (nothing for a dead adjoint).</summary>
        private void Accumulate(int slot, Action value)
        {
            if (!live[slot]) return;
            il.Emit(OpCodes.Ldloc, _adjoints[slot]!);
            value();
            il.Emit(OpCodes.Call, Add);
            il.Emit(OpCodes.Stloc, _adjoints[slot]!);
        }

        /// <summary>A scratch local for a value computed once and added into several adjoints.</summary>
        private LocalBuilder Temporary => _temporary ??= il.DeclareLocal(R);

        /// <summary>Declares a local holding the function struct of a Map instruction, built from its code and parameter.</summary>
        private (LocalBuilder Local, Type Type) Function(in TracedInstruction i)
        {
            var box = new object?[1];
            UnaryCodes.Visit(i.I1, i.F0, new Capture(box));
            Type type = box[0]!.GetType();
            LocalBuilder local = il.DeclareLocal(type);
            il.Emit(OpCodes.Ldloca, local);
            if (type.GetConstructor([typeof(float)]) is ConstructorInfo withParameter && withParameter.Invoke([i.F0]).Equals(box[0]))
            {
                il.Emit(OpCodes.Ldc_R4, i.F0);
                il.Emit(OpCodes.Call, withParameter);
            }
            else
            {
                Failed |= !Activator.CreateInstance(type)!.Equals(box[0]);
                il.Emit(OpCodes.Initobj, type);
            }
            return (local, type);
        }

        /// <summary>One instruction forward, as TracedInterpreter.Run.</summary>
        public void Forward(in TracedInstruction i)
        {
            switch (i.Op)
            {
                case TracedOp.Binary:
                {
                    var s = new TracedInterpreter.Strides(i);
                    MethodInfo apply = OverReal8(BinaryOp(i.I0), nameof(IBinaryOp.Apply));
                    for (int r = 0, e = 0; r < s.Rows; r++)
                    for (int c = 0; c < s.Cols; c++, e++)
                    {
                        Load(i.A, r * s.ARow + c * s.ACol);
                        Load(i.B, r * s.BRow + c * s.BCol);
                        il.Emit(OpCodes.Call, apply);
                        SetValue(i.Out + e);
                    }
                    break;
                }
                case TracedOp.Affine:
                    for (int e = 0; e < i.I0; e++)
                    {
                        Constant(i.F0);
                        Load(i.A, e);
                        Constant(i.F1);
                        il.Emit(OpCodes.Call, MultiplyAdd);
                        SetValue(i.Out + e);
                    }
                    break;
                case TracedOp.Map:
                {
                    (LocalBuilder function, Type type) = Function(i);
                    MethodInfo apply = FunctionMember(type, nameof(IUnaryFunction.Apply));
                    for (int e = 0; e < i.I0; e++)
                    {
                        il.Emit(OpCodes.Ldloca, function);
                        Load(i.A, e);
                        il.Emit(OpCodes.Call, apply);
                        SetValue(i.Out + e);
                    }
                    break;
                }
                case TracedOp.SumRows:
                    for (int r = 0; r < i.I0; r++)
                    {
                        Constant(i.F0);
                        Constant(0f);
                        for (int c = 0; c < i.I1; c++)
                        {
                            Load(i.A, r * i.I1 + c);
                            il.Emit(OpCodes.Call, Add);
                        }
                        il.Emit(OpCodes.Call, Multiply);
                        SetValue(i.Out + r);
                    }
                    break;
                case TracedOp.Gather:
                    for (int r = 0; r < i.I0; r++)
                    for (int j = 0; j < i.I3; j++)
                    {
                        Load(i.A, r * i.I1 + i.I2 + j);
                        SetValue(i.Out + r * i.I3 + j);
                    }
                    break;
                case TracedOp.Place:
                    for (int r = 0; r < i.I0; r++)
                    for (int j = 0; j < i.I3; j++)
                    {
                        Load(i.A, r * i.I3 + j);
                        SetValue(i.Out + r * i.I1 + i.I2 + j);
                    }
                    break;
                case TracedOp.MatMul:
                {
                    int m = i.I0, k = i.I1, n = i.I2, pStride = i.I3 != 0 ? 1 : n, jStride = i.I3 != 0 ? k : 1;
                    for (int r = 0; r < m; r++)
                    for (int j = 0; j < n; j++)
                    {
                        Constant(0f);
                        for (int p = 0; p < k; p++)
                        {
                            Load(i.A, r * k + p);
                            Load(i.B, p * pStride + j * jStride);
                            il.Emit(OpCodes.Call, Multiply);
                            il.Emit(OpCodes.Call, Add);
                        }
                        SetValue(i.Out + r * n + j);
                    }
                    break;
                }
                default:
                    Failed = true; // an op the interpreter does not run either
                    break;
            }
        }

        /// <summary>The adjoints the reverse sweep reads start at 0, the energy's at 1 (as TracedInterpreter.Backward clears and seeds them).</summary>
        public void SeedAdjoints(int result)
        {
            for (int s = 0; s < live.Length; s++)
            {
                if (!live[s]) continue;
                _adjoints[s] = il.DeclareLocal(R);
                Constant(s == result ? 1f : 0f);
                il.Emit(OpCodes.Stloc, _adjoints[s]!);
            }
        }

        /// <summary>One instruction backward (it reads x), as TracedInterpreter.RunBack.</summary>
        public void Backward(TracedInstruction i)
        {
            switch (i.Op)
            {
                case TracedOp.Binary:
                {
                    var s = new TracedInterpreter.Strides(i);
                    Type op = BinaryOp(i.I0);
                    MethodInfo partialX = OverReal8(op, nameof(IBinaryOp.PartialX)), partialY = OverReal8(op, nameof(IBinaryOp.PartialY));
                    for (int r = 0, e = 0; r < s.Rows; r++)
                    for (int c = 0; c < s.Cols; c++, e++)
                    {
                        int ia = r * s.ARow + c * s.ACol, ib = r * s.BRow + c * s.BCol, output = i.Out + e;
                        if (i.A >= 0) Accumulate(i.A + ia, () => Partial(output, i.A, ia, i.B, ib, partialX));
                        if (i.B >= 0) Accumulate(i.B + ib, () => Partial(output, i.A, ia, i.B, ib, partialY));
                    }
                    break;
                }
                case TracedOp.Affine when i.A >= 0:
                    for (int e = 0; e < i.I0; e++)
                    {
                        int output = i.Out + e;
                        Accumulate(i.A + e, () =>
                        {
                            Constant(i.F0);
                            Adjoint(output);
                            il.Emit(OpCodes.Call, Multiply);
                        });
                    }
                    break;
                case TracedOp.Map when i.A >= 0:
                {
                    (LocalBuilder function, Type type) = Function(i);
                    MethodInfo derivative = FunctionMember(type, nameof(IUnaryFunction.Derivative));
                    for (int e = 0; e < i.I0; e++)
                    {
                        int output = i.Out + e, a = i.A + e;
                        Accumulate(a, () =>
                        {
                            Adjoint(output);
                            il.Emit(OpCodes.Ldloca, function);
                            Value(a);
                            il.Emit(OpCodes.Call, derivative);
                            il.Emit(OpCodes.Call, Multiply);
                        });
                    }
                    break;
                }
                case TracedOp.SumRows when i.A >= 0:
                    for (int r = 0; r < i.I0; r++)
                    {
                        Constant(i.F0);
                        Adjoint(i.Out + r);
                        il.Emit(OpCodes.Call, Multiply);
                        LocalBuilder g = Temporary;
                        il.Emit(OpCodes.Stloc, g);
                        for (int c = 0; c < i.I1; c++) Accumulate(i.A + r * i.I1 + c, () => il.Emit(OpCodes.Ldloc, g));
                    }
                    break;
                case TracedOp.Gather when i.A >= 0:
                    for (int r = 0; r < i.I0; r++)
                    for (int j = 0; j < i.I3; j++)
                    {
                        int output = i.Out + r * i.I3 + j;
                        Accumulate(i.A + r * i.I1 + i.I2 + j, () => Adjoint(output));
                    }
                    break;
                case TracedOp.Place when i.A >= 0:
                    for (int r = 0; r < i.I0; r++)
                    for (int j = 0; j < i.I3; j++)
                    {
                        int output = i.Out + r * i.I1 + i.I2 + j;
                        Accumulate(i.A + r * i.I3 + j, () => Adjoint(output));
                    }
                    break;
                case TracedOp.MatMul:
                    MatMulBackward(i);
                    break;
            }
        }

        /// <summary>adjoint(output) times a partial of the binary op at (a[ia], b[ib]).</summary>
        private void Partial(int output, int a, int ia, int b, int ib, MethodInfo partial)
        {
            Adjoint(output);
            Load(a, ia);
            Load(b, ib);
            il.Emit(OpCodes.Call, partial);
            il.Emit(OpCodes.Call, Multiply);
        }

        /// <summary>A product's reverse step, in the interpreter's loop order (each adjoint gets its terms in the same order).</summary>
        private void MatMulBackward(TracedInstruction i)
        {
            int m = i.I0, k = i.I1, n = i.I2, pStride = i.I3 != 0 ? 1 : n, jStride = i.I3 != 0 ? k : 1;
            for (int r = 0; r < m; r++)
            for (int j = 0; j < n; j++)
            for (int p = 0; p < k; p++)
            {
                int output = i.Out + r * n + j, right = p * pStride + j * jStride, left = r * k + p;
                if (i.A >= 0)
                    Accumulate(i.A + left, () =>
                    {
                        Adjoint(output);
                        Load(i.B, right);
                        il.Emit(OpCodes.Call, Multiply);
                    });
                if (i.B >= 0)
                    Accumulate(i.B + right, () =>
                    {
                        Adjoint(output);
                        Load(i.A, left);
                        il.Emit(OpCodes.Call, Multiply);
                    });
            }
        }

        /// <summary>Writes dE/dx (the adjoints of x's slots) and returns the energy.</summary>
        public void Finish(int result)
        {
            for (int s = 0; s < dim; s++)
            {
                il.Emit(OpCodes.Ldarg_1);
                Offset(s * 32);
                il.Emit(OpCodes.Ldloc, _adjoints[s]!);
                il.Emit(OpCodes.Call, Unwrap);
                il.Emit(OpCodes.Stobj, V);
            }
            Value(result);
            il.Emit(OpCodes.Call, Unwrap);
            il.Emit(OpCodes.Ret);
        }
    }
}

using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchEbm.Elementwise;
using TorchEbm.Functions;
using TorchEbm.Numerics;
using TorchEbm.Reductions;

namespace TorchEbm.Traced;

/// <summary>
/// Compiles a traced program into host code for eight chains (<see cref="CompiledEnergy"/>, lanes of <see cref="Real8"/>):
/// the forward sweep then the reverse sweep of <see cref="TracedInterpreter"/>, unrolled over the program's elements, the
/// values and adjoints in locals the JIT keeps in registers where it can. Host-only (ILGPU cannot compile dynamic methods;
/// the kernels keep the interpreter).
/// </summary>
/// <remarks>
/// <para>No formula is written here: each element calls the op struct the interpreter calls (<see cref="IBinaryOp"/>'s
/// Apply and partials, <see cref="IUnaryFunction"/>'s Apply and Derivative, <see cref="LogSumExps"/>' Of and Softmax,
/// <see cref="Real8"/>'s operators, MultiplyAdd and From), in the interpreter's order: adjoints start at 0 and every
/// contribution is added in the reverse sweep's order, so each lane equals the interpreter (and the kernel) bit for bit. Constants are read from the pool at
/// every call (parameters change between runs); an instruction's float attributes (an Affine's scale, a mean's factor, a
/// function's parameter) are literals. The only work left out is adding into adjoints nothing reads: those of values
/// computed without x (the reverse sweep never visits their instructions), which cannot change dE/dx.</para>
/// <para>Size rule: the JIT stops inlining in a method with more than 512 locals (its inlined calls' temporaries count),
/// and a call left in an unrolled sweep costs more than the interpreter saves. So locals are few: a value's or adjoint's
/// local is reused once its last use is past (liveness over the unrolled sweeps), and every call's result goes into a
/// (reused) local before it is passed on, where the JIT would otherwise spill it to a temporary of its own. The code is
/// cut into methods of at most <see cref="LocalsPerMethod"/> locals by the JIT's estimated count, run one after the
/// other, values and adjoints passed between them through a row in memory (<see cref="Compiled.Rows"/>). A program of
/// more than <see cref="MaxOperations"/> element operations keeps the interpreter: the JIT takes some 0.05-0.1 ms per
/// operation, so a larger one would take more than tens of milliseconds to compile (<see cref="Refusal"/> says why).</para>
/// </remarks>
internal static class TracedCompiler
{
    /// <summary>Most element operations of a program compiled (<see cref="Operations"/>: an element of an instruction the reverse sweep visits counts three times).</summary>
    public const int MaxOperations = 1000;

    /// <summary>
    /// The JIT's locals a method may reach by <see cref="Emitter"/>'s estimate before it is cut: its own IL locals (reused
    /// once their value or adjoint is dead) plus one and a half per temporary of its calls (one per call that constructs a
    /// Real8, the op structs' and functions' wrappers counted by the calls inside them; more for a lane-by-lane formula).
    /// Below the 512 at which the JIT stops inlining; calibrated with DOTNET_JitDisasm on the tests' programs (the
    /// benchmark's 8-D Rosenbrock and 10-D Gaussian among them): at 470 no op call is left un-inlined and the 8-D
    /// Rosenbrock (estimate 465) is one method; at 480 the 10-D Gaussian's second method kept some calls.
    /// </summary>
    public const int LocalsPerMethod = 470;

    /// <summary>A compiled program.</summary>
    /// <param name="Energy">The code, one call per eight chains.</param>
    /// <param name="Rows">Real8 entries of the row its methods pass values and adjoints through, then a log-sum-exp's terms
    /// (0 for one method without a log-sum-exp).</param>
    /// <param name="Methods">The number of methods it was cut into.</param>
    public sealed record Compiled(CompiledEnergy Energy, int Rows, int Methods);

    /// <summary>Whether this runtime compiles dynamic methods to machine code (false under NativeAOT or an interpreter).</summary>
    public static bool IsSupported => RuntimeFeature.IsDynamicCodeSupported && RuntimeFeature.IsDynamicCodeCompiled;

    private static readonly Type R = typeof(Real8), V = typeof(Vector256<float>);
    private static readonly MethodInfo From = R.GetMethod(nameof(Real8.From), [typeof(float)])!;
    private static readonly MethodInfo Add = R.GetMethod("op_Addition", [R, R])!;
    private static readonly MethodInfo Multiply = R.GetMethod("op_Multiply", [R, R])!;
    private static readonly MethodInfo MultiplyAdd = R.GetMethod(nameof(Real8.MultiplyAdd), [R, R, R])!;

    /// <summary>
    /// Why <paramref name="program"/> is not compiled for <paramref name="dim"/> coordinates (the runtime, an op the emitter
    /// does not write, the size rule),
    /// or null when <see cref="Compile"/> compiles it.
    /// </summary>
    public static string? Refusal<TCode>(in TCode program, int dim) where TCode : struct, ITracedCode
    {
        if (!IsSupported) return "this runtime does not compile dynamic code";
        long operations = Operations(program);
        if (operations > MaxOperations) return $"{operations} element operations (compiled up to {MaxOperations})";
        return null;
    }

    /// <summary>
    /// <paramref name="program"/> compiled for <paramref name="dim"/> coordinates and a pool of <paramref name="poolFloats"/>
    /// floats, or null when <see cref="Refusal"/> refuses it (or it reads past those lengths).
    /// </summary>
    public static Compiled? Compile<TCode>(in TCode program, int dim, int poolFloats) where TCode : struct, ITracedCode
    {
        if (Refusal(program, dim) is not null) return null;
        bool[] live = Live(program, dim);
        Emitter first = Emit(program, new Emitter(program.Values, dim, program.Result, live));
        Emitter emitter = Emit(program, new Emitter(program.Values, dim, program.Result, live, lifetimes: first));
        if (emitter.Methods > 1) emitter = Emit(program, new Emitter(program.Values, dim, program.Result, live, lifetimes: first, earlier: emitter));
        if (emitter.PoolRead > poolFloats || emitter.Failed) return null;
        int methods = emitter.Methods, terms = LogSumExpTerms(program);
        int rows = terms > 0 ? 2 * program.Values + terms : methods > 1 ? 2 * program.Values : 0;
        CompiledEnergy energy = emitter.Finish();
        return Jitted(energy, dim, poolFloats, rows) ? new Compiled(energy, rows, methods) : null;
    }

    /// <summary>
    /// Runs <paramref name="energy"/> once at x = 0 with a zero pool, so the JIT compiles it here (once, inside the caller's
    /// lock) rather than in a sampler's first step; false if the runtime rejects the code (the program then keeps the
    /// interpreter rather than fail a run).
    /// </summary>
    private static bool Jitted(CompiledEnergy energy, int dim, int poolFloats, int rows)
    {
        var x = new Real8[Math.Max(1, dim)];
        var gradient = new Real8[Math.Max(1, dim)];
        var pool = new float[Math.Max(1, poolFloats)];
        var row = new Real8[Math.Max(1, rows)];
        try
        {
            energy(ref x[0], ref gradient[0], ref pool[0], ref row[0]);
            return true;
        }
        catch (Exception e) when (e is InvalidProgramException or BadImageFormatException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Emits both sweeps of <paramref name="program"/>. A first pass finds each value's and adjoint's last use (so later
    /// passes reuse its local after it); a program the second pass cuts in several methods is emitted a third time: the
    /// second pass finds which values and adjoints later methods read, the third leaves only those in the rows (the cuts
    /// fall at the same places: storing adds no locals or calls).
    /// </summary>
    private static Emitter Emit<TCode>(in TCode program, Emitter emitter) where TCode : struct, ITracedCode
    {
        for (int n = 0; n < program.Length; n++) emitter.Forward(program[n]);
        for (int n = program.Length - 1; n >= 0; n--)
            if (program[n].ReadsX) emitter.Backward(program[n]);
        emitter.End(last: true);
        return emitter;
    }

    /// <summary>The element operations of <paramref name="program"/>'s sweeps (each element of an instruction the reverse sweep visits counted three times).</summary>
    private static long Operations<TCode>(in TCode program) where TCode : struct, ITracedCode
    {
        long operations = 0;
        for (int n = 0; n < program.Length; n++)
        {
            TracedInstruction i = program[n];
            long elements = i.Op switch
            {
                TracedOp.SumRows or TracedOp.LogSumExpRows => (long)i.I0 * i.I1,
                TracedOp.MatMul => (long)i.I0 * i.I1 * i.I2,
                _ => Output(i).Length,
            };
            operations += i.ReadsX ? 3 * elements : elements;
        }
        return operations;
    }

    /// <summary>The slots an instruction writes: a range from its output slot (a concatenation's part writes only some of it).</summary>
    private static (int Start, int Length) Output(in TracedInstruction i) => i.Op switch
    {
        TracedOp.Binary => (i.Out, i.I1 * i.I2),
        TracedOp.SumRows or TracedOp.LogSumExpRows => (i.Out, i.I0),
        TracedOp.Gather => (i.Out, i.I0 * i.I3),
        TracedOp.Place => (i.Out, i.I0 * i.I1),
        TracedOp.MatMul => (i.Out, i.I0 * i.I2),
        _ => (i.Out, i.I0), // Affine, Map
    };

    /// <summary>The most columns of a <see cref="TracedOp.LogSumExpRows"/> instruction in <paramref name="program"/> (0: none), the terms its rows hold at once.</summary>
    private static int LogSumExpTerms<TCode>(in TCode program) where TCode : struct, ITracedCode
    {
        int terms = 0;
        for (int n = 0; n < program.Length; n++)
            if (program[n].Op == TracedOp.LogSumExpRows) terms = Math.Max(terms, program[n].I1);
        return terms;
    }

    /// <summary>
    /// log sum exp of the <paramref name="count"/> terms the compiled code stored from <paramref name="first"/> on (in the
    /// rows, after the values and adjoints): <see cref="LogSumExps.Of{T, TMask, TTerms}"/> over <see cref="Real8"/>, the
    /// interpreter's own formula rather than an emitted copy of it, so the two cannot drift. Not inlined: its two loops and
    /// lane-by-lane Max, Exp and Log would bring hundreds of JIT temporaries into the unrolled method
    /// (<see cref="LocalsPerMethod"/>), and one call per row costs little next to its exponentials; the call is counted as
    /// what it leaves in the method, its result's local.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Real8 LogSumExpOf(ref Real8 first, int count) =>
        LogSumExps.Of<Real8, Vector256<float>, SpanTerms>(new SpanTerms(MemoryMarshal.CreateReadOnlySpan(ref first, count)), count);

    /// <summary>The terms of one row of a log-sum-exp, as the compiled code stored them.</summary>
    private readonly ref struct SpanTerms(ReadOnlySpan<Real8> terms) : ITerms<Real8>
    {
        private readonly ReadOnlySpan<Real8> _terms = terms;

        public Real8 this[int k] => _terms[k];
    }

    private static readonly MethodInfo LogSumExpOfTerms = typeof(TracedCompiler).GetMethod(nameof(LogSumExpOf), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>d lse / d term over Real8 (<see cref="LogSumExps.Softmax{T, TMask}"/>), which the reverse sweep calls per element as the interpreter does.</summary>
    private static readonly MethodInfo Softmax = typeof(LogSumExps).GetMethod(nameof(LogSumExps.Softmax))!.MakeGenericMethod(R, V);

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

    /// <summary>The IBinaryOp struct of an <see cref="Arithmetic"/> code, through the one map the interpreter dispatches by.</summary>
    private static Type BinaryOp(int code)
    {
        var op = new OpType();
        Arithmetic.Visit(code, ref op);
        return op.Type!;
    }

    /// <summary>Keeps the <see cref="IBinaryOp"/> struct <see cref="Arithmetic.Visit{TVisitor}"/> names for a code.</summary>
    private struct OpType : IBinaryVisitor
    {
        public Type? Type;

        public void Visit<TOp>() where TOp : struct, IBinaryOp => Type = typeof(TOp);
    }

    /// <summary>The generic static member <paramref name="name"/> of an op struct, over <see cref="Real8"/>.</summary>
    private static MethodInfo OverReal8(Type type, string name) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.Static).Single(m => m.Name == name && m.IsGenericMethodDefinition).MakeGenericMethod(R);

    /// <summary>The <see cref="IUnaryFunction"/> member <paramref name="name"/> as the struct implements it, over <see cref="Real8"/>.</summary>
    private static MethodInfo FunctionMember(Type function, string name)
    {
        InterfaceMapping map = function.GetInterfaceMap(typeof(IUnaryFunction));
        int k = Array.FindIndex(map.InterfaceMethods, m => m.Name == name && m.IsGenericMethodDefinition);
        return map.TargetMethods[k].MakeGenericMethod(R, V);
    }

    /// <summary>JIT temporaries estimated for a call that runs lane by lane (<see cref="Real8"/>'s Exp, Log, ..., inlined eight times).</summary>
    private const int LanewiseTemporaries = 96;

    /// <summary>Members of <see cref="IReal{T, TMask}"/> that <see cref="Real8"/> runs lane by lane.</summary>
    private static readonly HashSet<string> Lanewise = ["Exp", "Log", "Sqrt", "Sin", "Cos", "Tanh", "Abs", "Max"];

    /// <summary>One-byte and two-byte IL opcodes by value, to walk a method's IL.</summary>
    private static readonly Dictionary<short, OpCode> OpCodesByValue =
        typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>
    /// The JIT temporaries a function's or op struct's member is estimated to bring when inlined: one per call in its IL
    /// (the struct it constructs), <see cref="LanewiseTemporaries"/> per lane-by-lane call, and those of the engine's own
    /// methods it calls (its helpers, followed to a small depth). An estimate for cutting methods, not a cost model.
    /// </summary>
    private static int FormulaTemporaries(MethodInfo method, int depth)
    {
        byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null || depth > 3) return 0;
        Type[] typeArguments = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : [];
        Type[] methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : [];
        int temporaries = 0;
        for (int at = 0; at < il.Length;)
        {
            short value = il[at] == 0xFE && at + 1 < il.Length ? (short)(0xFE00 | il[at + 1]) : il[at];
            if (!OpCodesByValue.TryGetValue(value, out OpCode op)) return temporaries + il.Length; // unknown IL: assume the worst
            at += op.Size;
            if ((op == OpCodes.Call || op == OpCodes.Callvirt) && at + 4 <= il.Length)
            {
                MethodBase? callee = null;
                try
                {
                    callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, at), typeArguments, methodArguments);
                }
                catch (ArgumentException)
                {
                }
                temporaries += callee is null ? LanewiseTemporaries
                    : Lanewise.Contains(callee.Name) && callee.DeclaringType?.Name.StartsWith("IReal", StringComparison.Ordinal) == true ? LanewiseTemporaries
                    : 1 + (callee is MethodInfo m && m.DeclaringType?.Namespace == typeof(Exp).Namespace ? FormulaTemporaries(m, depth + 1) : 0);
            }
            at += op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
                _ => 4,
            };
        }
        return temporaries;
    }

    /// <summary>Captures the struct <see cref="UnaryCodes.Visit"/> makes for a code (the one table from codes to functions).</summary>
    private readonly struct Capture(object?[] box) : IUnaryVisitor
    {
        public void Visit<TFunction>(TFunction function) where TFunction : struct, IUnaryFunction => box[0] = function;
    }

    /// <summary>
    /// Emits the IL of one program as a run of methods of at most <see cref="LocalsPerMethod"/> JIT locals each (the JIT stops
    /// inlining in a method with too many locals, and each inlined call brings some). Within a method values and adjoints are
    /// locals; a value or adjoint another method uses goes through the rows (values, then adjoints), x's adjoints through
    /// the gradient itself.
    /// </summary>
    private sealed class Emitter
    {
        private readonly int _values, _dim, _result;
        private readonly bool[] _live, _valueStored, _adjointStored;
        private readonly List<DynamicMethod> _methods = [];
        private readonly Dictionary<int, LocalBuilder> _valueLocals = [], _adjointLocals = [], _literals = [], _pool = [];
        private readonly Dictionary<(int Code, float Parameter), LocalBuilder> _functions = [];
        private readonly HashSet<int> _produced = [];
        private readonly Stack<LocalBuilder?> _operands = new(); // the IL stack: the local a call's result was put in, to free once popped
        private DynamicMethod _method = null!;
        private ILGenerator _il = null!;
        private int _temporaries, _locals;

        private readonly HashSet<int>? _neededValues, _neededAdjoints;
        private readonly Dictionary<int, int>? _valueEnds, _adjointEnds;
        private readonly Stack<LocalBuilder> _free = new(); // Real8 locals whose value or adjoint is dead, to reuse
        private int _unit;

        /// <param name="values">Slots of values per chain.</param>
        /// <param name="dim">x's slots.</param>
        /// <param name="result">The energy's slot.</param>
        /// <param name="live">The adjoints the reverse sweep reads.</param>
        /// <param name="lifetimes">A pass over the same program whose last uses say when a value's or adjoint's local may be
        /// reused (null: never).</param>
        /// <param name="earlier">A pass over the same program with the same cuts, whose reads say which values and adjoints a
        /// method must leave in the rows (null: leave all).</param>
        public Emitter(int values, int dim, int result, bool[] live, Emitter? lifetimes = null, Emitter? earlier = null)
        {
            (_values, _dim, _result, _live) = (values, dim, result, live);
            (_neededValues, _neededAdjoints) = (earlier?.ValuesRead, earlier?.AdjointsRead);
            (_valueEnds, _adjointEnds) = (lifetimes?.ValueEnds, lifetimes?.AdjointEnds);
            _valueStored = new bool[live.Length];
            _adjointStored = new bool[live.Length];
            Begin();
        }

        /// <summary>Floats of the pool the code reads.</summary>
        public int PoolRead { get; private set; }

        /// <summary>Whether a function's struct could not be rebuilt from its code (the program then keeps the interpreter).</summary>
        public bool Failed { get; private set; }

        /// <summary>Values a method read from the rows (made by an earlier method).</summary>
        public HashSet<int> ValuesRead { get; } = [];

        /// <summary>Adjoints (not x's) a method read from the rows.</summary>
        public HashSet<int> AdjointsRead { get; } = [];

        /// <summary>The last unit (element) of work that reads or writes each value slot.</summary>
        public Dictionary<int, int> ValueEnds { get; } = [];

        /// <summary>The last unit of work that reads or adds into each adjoint.</summary>
        public Dictionary<int, int> AdjointEnds { get; } = [];

        /// <summary>The JIT's locals this method is estimated to reach: its IL locals, 1.5 per estimated temporary (<see cref="LocalsPerMethod"/>).</summary>
        private int Estimate => _locals + _temporaries * 3 / 2;

        /// <summary>The methods emitted.</summary>
        public int Methods => _methods.Count;

        private static readonly Type[] Parameters = [R.MakeByRefType(), R.MakeByRefType(), typeof(float).MakeByRefType(), R.MakeByRefType()];

        /// <summary>Starts a method.</summary>
        private void Begin()
        {
            _method = new DynamicMethod("Traced", R, Parameters, typeof(TracedCompiler).Module, skipVisibility: true) { InitLocals = false };
            _il = _method.GetILGenerator();
            _valueLocals.Clear();
            _adjointLocals.Clear();
            _literals.Clear();
            _pool.Clear();
            _functions.Clear();
            _produced.Clear();
            _temporaries = 0;
            _locals = 0;
            _operands.Clear();
            _free.Clear();
        }

        /// <summary>After a unit of work (an element): closes the method and starts the next once it has enough calls.</summary>
        public void EndUnit()
        {
            Release();
            _unit++;
            if (Estimate < LocalsPerMethod) return;
            End(last: false);
            Begin();
        }

        /// <summary>
        /// After a unit: the locals of values and adjoints no later unit uses become free for reuse (x's adjoint, complete,
        /// is stored into the gradient first; the energy's value is kept for the return).
        /// </summary>
        private void Release()
        {
            if (_valueEnds is null || _adjointEnds is null) return;
            foreach ((int slot, LocalBuilder local) in _valueLocals.ToArray())
            {
                if (slot == _result || _valueEnds.GetValueOrDefault(slot, int.MaxValue) > _unit) continue;
                _valueLocals.Remove(slot);
                _produced.Remove(slot);
                _free.Push(local);
            }
            foreach ((int slot, LocalBuilder local) in _adjointLocals.ToArray())
            {
                if (_adjointEnds.GetValueOrDefault(slot, int.MaxValue) > _unit) continue;
                if (slot < _dim)
                {
                    StoreAdjoint(slot, () => _il.Emit(OpCodes.Ldloc, local));
                    _adjointStored[slot] = true;
                }
                _adjointLocals.Remove(slot);
                _free.Push(local);
            }
        }

        /// <summary>
        /// Ends the current method: values it produced and adjoints it touched go to memory for the methods after it; the last
        /// one also writes the adjoints of x nothing touched and returns the energy.
        /// </summary>
        public void End(bool last)
        {
            if (!last)
                foreach (int slot in _produced)
                {
                    _valueStored[slot] = true;
                    if (_neededValues?.Contains(slot) == false) continue;
                    Row(slot);
                    _il.Emit(OpCodes.Ldloc, _valueLocals[slot]);
                    _il.Emit(OpCodes.Stobj, R);
                }
            foreach ((int slot, LocalBuilder local) in _adjointLocals)
            {
                _adjointStored[slot] = true;
                if (slot >= _dim && (last || _neededAdjoints?.Contains(slot) == false)) continue;
                StoreAdjoint(slot, () => _il.Emit(OpCodes.Ldloc, local));
            }
            if (last)
                for (int s = 0; s < _dim; s++)
                    if (!_adjointStored[s]) StoreAdjoint(s, () => Constant(s == _result ? 1f : 0f));
            if (last) Value(_result);
            else Constant(0f);
            _il.Emit(OpCodes.Ret);
            _methods.Add(_method);
        }

        /// <summary>Stores the adjoint <paramref name="value"/> pushes: x's into the gradient, others into the rows' adjoints.</summary>
        private void StoreAdjoint(int slot, Action value)
        {
            if (slot < _dim)
            {
                _il.Emit(OpCodes.Ldarg_1);
                Offset(slot * 32);
                value();
                _il.Emit(OpCodes.Stobj, R);
            }
            else
            {
                Row(_values + slot);
                value();
                _il.Emit(OpCodes.Stobj, R);
            }
        }

        /// <summary>Pushes the address of entry <paramref name="index"/> of the rows.</summary>
        private void Row(int index)
        {
            _il.Emit(OpCodes.Ldarg_3);
            Offset(index * 32);
        }

        /// <summary>The compiled program: the one method, or a method calling each in turn.</summary>
        public CompiledEnergy Finish()
        {
            if (_methods.Count == 1) return _methods[0].CreateDelegate<CompiledEnergy>();
            var root = new DynamicMethod("Traced", R, Parameters, typeof(TracedCompiler).Module, skipVisibility: true) { InitLocals = false };
            ILGenerator rootIl = root.GetILGenerator();
            for (int m = 0; m < _methods.Count; m++)
            {
                rootIl.Emit(OpCodes.Ldarg_0);
                rootIl.Emit(OpCodes.Ldarg_1);
                rootIl.Emit(OpCodes.Ldarg_2);
                rootIl.Emit(OpCodes.Ldarg_3);
                rootIl.Emit(OpCodes.Call, _methods[m]);
                if (m < _methods.Count - 1) rootIl.Emit(OpCodes.Pop);
            }
            rootIl.Emit(OpCodes.Ret);
            return root.CreateDelegate<CompiledEnergy>();
        }

        /// <summary>A new local of this method (a free Real8 local where there is one).</summary>
        private LocalBuilder Declare(Type type)
        {
            if (type == R && _free.Count > 0) return _free.Pop();
            _locals++;
            return _il.DeclareLocal(type);
        }

        /// <summary>
        /// Emits a call, counting the JIT temporaries it is estimated to bring when inlined: one for a Real8 member (the
        /// struct it constructs), <paramref name="body"/> more for calls inside it (-1: an op struct's or function's member,
        /// estimated by <see cref="FormulaTemporaries"/>). A Real8 result goes into a local, freed once the value is popped:
        /// arguments are always locals, which the JIT passes as they are (a call's result left on the IL stack across
        /// another call is spilled to a temporary the JIT never reuses).
        /// </summary>
        private void Call(MethodInfo method, int body = 0)
        {
            if (body < 0) body = FormulaTemporaries(method, depth: 0);
            _il.Emit(OpCodes.Call, method);
            int arguments = method.GetParameters().Length + (method.IsStatic ? 0 : 1);
            _temporaries += (method.DeclaringType == R ? 1 : 0) + body;
            for (int k = 0; k < arguments && _operands.Count > 0; k++)
                if (_operands.Pop() is LocalBuilder argument) _free.Push(argument);
            if (method.ReturnType != R)
            {
                _operands.Push(null);
                return;
            }
            LocalBuilder result = Declare(R);
            _il.Emit(OpCodes.Stloc, result);
            _il.Emit(OpCodes.Ldloc, result);
            _operands.Push(result);
        }

        /// <summary>Pushes a local (a plain argument to a call).</summary>
        private void Ldloc(LocalBuilder local)
        {
            _il.Emit(OpCodes.Ldloc, local);
            _operands.Push(null);
        }

        /// <summary>Pops into a local.</summary>
        private void Stloc(LocalBuilder local)
        {
            _il.Emit(OpCodes.Stloc, local);
            if (_operands.Count > 0 && _operands.Pop() is LocalBuilder spilled) _free.Push(spilled);
        }

        /// <summary>Pushes Real8.From(<paramref name="value"/>), made once per method.</summary>
        private void Constant(float value) => Ldloc(Literal(value));

        /// <summary>The local holding Real8.From(<paramref name="value"/>), made once per method.</summary>
        private LocalBuilder Literal(float value)
        {
            if (!_literals.TryGetValue(BitConverter.SingleToInt32Bits(value), out LocalBuilder? local))
            {
                local = _literals[BitConverter.SingleToInt32Bits(value)] = Declare(R);
                _il.Emit(OpCodes.Ldc_R4, value);
                _operands.Push(null);
                Call(From);
                Stloc(local);
            }
            return local;
        }

        /// <summary>Pushes the value in <paramref name="slot"/> (<see cref="ValueLocal"/>).</summary>
        private void Value(int slot) => Ldloc(ValueLocal(slot));

        /// <summary>The local holding the value in <paramref name="slot"/>: x's coordinates from the argument, others from locals (loaded from the rows once per method when an earlier method made them).</summary>
        private LocalBuilder ValueLocal(int slot)
        {
            ValueEnds[slot] = _unit;
            if (_valueLocals.TryGetValue(slot, out LocalBuilder? local)) return local;
            if (slot < _dim || _valueStored[slot])
            {
                if (slot < _dim)
                {
                    _il.Emit(OpCodes.Ldarg_0);
                    Offset(slot * 32);
                }
                else
                {
                    ValuesRead.Add(slot);
                    Row(slot);
                }
                local = _valueLocals[slot] = Declare(R);
                _il.Emit(OpCodes.Ldobj, R);
                _il.Emit(OpCodes.Stloc, local);
                return local;
            }
            return Literal(0f); // never written: the rows' initial zeros
        }

        /// <summary>Pushes element <paramref name="index"/> of an operand (<see cref="OperandLocal"/>).</summary>
        private void Load(int slot, int index) => Ldloc(OperandLocal(slot, index));

        /// <summary>The local holding element <paramref name="index"/> of an operand (a value, or the constant pool below zero).</summary>
        private LocalBuilder OperandLocal(int slot, int index)
        {
            if (slot >= 0) return ValueLocal(slot + index);
            int offset = -slot - 1 + index;
            PoolRead = Math.Max(PoolRead, offset + 1);
            if (!_pool.TryGetValue(offset, out LocalBuilder? local))
            {
                local = _pool[offset] = Declare(R);
                _il.Emit(OpCodes.Ldarg_2);
                Offset(offset * sizeof(float));
                _il.Emit(OpCodes.Ldind_R4);
                _operands.Push(null);
                Call(From);
                Stloc(local);
            }
            return local;
        }

        /// <summary>Adds a byte offset to the pointer on the stack.</summary>
        private void Offset(int bytes)
        {
            if (bytes == 0) return;
            _il.Emit(OpCodes.Ldc_I4, bytes);
            _il.Emit(OpCodes.Add);
        }

        /// <summary>Pops a value into <paramref name="slot"/>.</summary>
        private void SetValue(int slot)
        {
            ValueEnds[slot] = _unit;
            if (!_valueLocals.TryGetValue(slot, out LocalBuilder? local)) _valueLocals[slot] = local = Declare(R);
            Stloc(local);
            _produced.Add(slot);
        }

        /// <summary>
        /// The local of <paramref name="slot"/>'s adjoint in this method: first touched, it starts as the interpreter's
        /// rows would hold it (0, the energy's 1, or what an earlier method left).
        /// </summary>
        private LocalBuilder AdjointLocal(int slot)
        {
            AdjointEnds[slot] = _unit;
            if (_adjointLocals.TryGetValue(slot, out LocalBuilder? local)) return local;
            local = _adjointLocals[slot] = Declare(R);
            if (!_adjointStored[slot])
            {
                Constant(slot == _result ? 1f : 0f);
                Stloc(local);
                return local;
            }
            if (slot < _dim)
            {
                _il.Emit(OpCodes.Ldarg_1);
                Offset(slot * 32);
            }
            else
            {
                AdjointsRead.Add(slot);
                Row(_values + slot);
            }
            _il.Emit(OpCodes.Ldobj, R);
            _il.Emit(OpCodes.Stloc, local);
            return local;
        }

        /// <summary>Pushes the adjoint of <paramref name="slot"/> (the output of an instruction the reverse sweep visits).</summary>
        private void Adjoint(int slot) => Ldloc(AdjointLocal(slot));

        /// <summary>adjoint(slot) += what <paramref name="value"/> pushes, as the interpreter's Accumulate (nothing for an adjoint nothing reads).</summary>
        private void Accumulate(int slot, Action value)
        {
            if (!_live[slot]) return;
            LocalBuilder local = AdjointLocal(slot);
            Ldloc(local);
            value();
            Call(Add);
            Stloc(local);
        }

        /// <summary>Pushes the address of the local holding a Map instruction's function struct, built from its code and parameter once per method.</summary>
        private void Function(in TracedInstruction i, out Type type)
        {
            var box = new object?[1];
            UnaryCodes.Visit(i.I1, i.F0, new Capture(box));
            type = box[0]!.GetType();
            if (!_functions.TryGetValue((i.I1, i.F0), out LocalBuilder? local))
            {
                local = _functions[(i.I1, i.F0)] = Declare(type);
                _il.Emit(OpCodes.Ldloca, local);
                if (type.GetConstructor([typeof(float)]) is ConstructorInfo withParameter && withParameter.Invoke([i.F0]).Equals(box[0]))
                {
                    _il.Emit(OpCodes.Ldc_R4, i.F0);
                    _il.Emit(OpCodes.Call, withParameter);
                }
                else
                {
                    Failed |= !Activator.CreateInstance(type)!.Equals(box[0]);
                    _il.Emit(OpCodes.Initobj, type);
                }
            }
            _il.Emit(OpCodes.Ldloca, local);
            _operands.Push(null);
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
                        Call(apply, body: -1);
                        SetValue(i.Out + e);
                        EndUnit();
                    }
                    break;
                }
                case TracedOp.Affine:
                    for (int e = 0; e < i.I0; e++)
                    {
                        Constant(i.F0);
                        Load(i.A, e);
                        Constant(i.F1);
                        Call(MultiplyAdd);
                        SetValue(i.Out + e);
                        EndUnit();
                    }
                    break;
                case TracedOp.Map:
                    for (int e = 0; e < i.I0; e++)
                    {
                        Function(i, out Type type);
                        Load(i.A, e);
                        Call(FunctionMember(type, nameof(IUnaryFunction.Apply)), body: -1);
                        SetValue(i.Out + e);
                        EndUnit();
                    }
                    break;
                case TracedOp.SumRows:
                    for (int r = 0; r < i.I0; r++)
                    {
                        Constant(i.F0);
                        Constant(0f);
                        for (int c = 0; c < i.I1; c++)
                        {
                            Load(i.A, r * i.I1 + c);
                            Call(Add);
                        }
                        Call(Multiply);
                        SetValue(i.Out + r);
                        EndUnit();
                    }
                    break;
                case TracedOp.Gather:
                    for (int r = 0; r < i.I0; r++)
                    for (int j = 0; j < i.I3; j++)
                    {
                        Load(i.A, r * i.I1 + i.I2 + j);
                        SetValue(i.Out + r * i.I3 + j);
                        EndUnit();
                    }
                    break;
                case TracedOp.Place:
                    for (int r = 0; r < i.I0; r++)
                    for (int j = 0; j < i.I3; j++)
                    {
                        Load(i.A, r * i.I3 + j);
                        SetValue(i.Out + r * i.I1 + i.I2 + j);
                        EndUnit();
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
                            Call(Multiply);
                            Call(Add);
                        }
                        SetValue(i.Out + r * n + j);
                        EndUnit();
                    }
                    break;
                }
                case TracedOp.LogSumExpRows:
                    for (int r = 0; r < i.I0; r++)
                    {
                        for (int c = 0; c < i.I1; c++) // the row's terms into the rows' scratch, then one call of the shared formula
                        {
                            LocalBuilder term = OperandLocal(i.A, r * i.I1 + c);
                            Row(2 * _values + c);
                            _il.Emit(OpCodes.Ldloc, term);
                            _il.Emit(OpCodes.Stobj, R);
                        }
                        Row(2 * _values);
                        _il.Emit(OpCodes.Ldc_I4, i.I1);
                        _operands.Push(null);
                        _operands.Push(null);
                        Call(LogSumExpOfTerms);
                        SetValue(i.Out + r);
                        EndUnit();
                    }
                    break;
                default:
                    Failed = true; // an op the interpreter does not run either
                    break;
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
                        EndUnit();
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
                            Call(Multiply);
                        });
                        EndUnit();
                    }
                    break;
                case TracedOp.Map when i.A >= 0:
                    for (int e = 0; e < i.I0; e++)
                    {
                        int output = i.Out + e, a = i.A + e;
                        TracedInstruction instruction = i;
                        Accumulate(a, () =>
                        {
                            Adjoint(output);
                            Function(instruction, out Type type);
                            Value(a);
                            Call(FunctionMember(type, nameof(IUnaryFunction.Derivative)), body: -1);
                            Call(Multiply);
                        });
                        EndUnit();
                    }
                    break;
                case TracedOp.SumRows when i.A >= 0:
                    for (int r = 0; r < i.I0; r++)
                    for (int c = 0; c < i.I1; c++)
                    {
                        int output = i.Out + r;
                        Accumulate(i.A + r * i.I1 + c, () => // factor * adjoint(output), as the interpreter computes it once per row
                        {
                            Constant(i.F0);
                            Adjoint(output);
                            Call(Multiply);
                        });
                        EndUnit();
                    }
                    break;
                case TracedOp.Gather when i.A >= 0:
                    for (int r = 0; r < i.I0; r++)
                    for (int j = 0; j < i.I3; j++)
                    {
                        int output = i.Out + r * i.I3 + j;
                        Accumulate(i.A + r * i.I1 + i.I2 + j, () => Adjoint(output));
                        EndUnit();
                    }
                    break;
                case TracedOp.Place when i.A >= 0:
                    for (int r = 0; r < i.I0; r++)
                    for (int j = 0; j < i.I3; j++)
                    {
                        int output = i.Out + r * i.I1 + i.I2 + j;
                        Accumulate(i.A + r * i.I3 + j, () => Adjoint(output));
                        EndUnit();
                    }
                    break;
                case TracedOp.MatMul:
                    MatMulBackward(i);
                    break;
                case TracedOp.LogSumExpRows when i.A >= 0:
                    for (int r = 0; r < i.I0; r++)
                    for (int c = 0; c < i.I1; c++)
                    {
                        int output = i.Out + r, a = i.A + r * i.I1 + c;
                        Accumulate(a, () => // adjoint(out[r]) softmax(a[r, c]): the interpreter's product, in its column order
                        {
                            Adjoint(output);
                            Value(a);
                            Value(output);
                            Call(Softmax, body: -1);
                            Call(Multiply);
                        });
                        EndUnit();
                    }
                    break;
            }
        }

        /// <summary>adjoint(output) times a partial of the binary op at (a[ia], b[ib]).</summary>
        private void Partial(int output, int a, int ia, int b, int ib, MethodInfo partial)
        {
            Adjoint(output);
            Load(a, ia);
            Load(b, ib);
            Call(partial, body: -1);
            Call(Multiply);
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
                        Call(Multiply);
                    });
                if (i.B >= 0)
                    Accumulate(i.B + right, () =>
                    {
                        Adjoint(output);
                        Load(i.A, left);
                        Call(Multiply);
                    });
                EndUnit();
            }
        }
    }
}

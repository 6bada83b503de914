using System.Reflection;

namespace TorchEbm.Launch;

/// <summary>One compiled specialisation of a kernel marked with <see cref="KernelAttribute"/>.</summary>
/// <param name="Name">Readable and file-name safe: <c>FillKernels.Normal</c>, or <c>ChainKernels.Chains[AnalyticSource-DoubleWell,LangevinTransition]</c>.</param>
/// <param name="Method">The closed kernel method (generic kernels instantiated).</param>
/// <param name="Hot">Whether ptxas must report zero spills for it.</param>
public sealed record KernelEntry(string Name, MethodInfo Method, bool Hot)
{
    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>Finds every kernel of this engine by its <see cref="KernelAttribute"/>, so checks cover new kernels automatically.</summary>
public static class KernelRegistry
{
    /// <summary>Every kernel specialisation in the Engine.Kernels assembly, ordered by name.</summary>
    public static IReadOnlyList<KernelEntry> All { get; } = Find(typeof(KernelRegistry).Assembly);

    /// <summary>Every kernel specialisation declared in <paramref name="assembly"/>.</summary>
    public static IReadOnlyList<KernelEntry> Find(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var entries = new List<KernelEntry>();
        const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (Type type in assembly.GetTypes())
        foreach (MethodInfo method in type.GetMethods(flags))
        {
            KernelAttribute? attribute = method.GetCustomAttribute<KernelAttribute>();
            if (attribute is null) continue;
            string baseName = $"{type.Name}.{method.Name}";
            if (!method.IsGenericMethodDefinition)
            {
                entries.Add(new KernelEntry(baseName, method, attribute.Hot));
                continue;
            }
            Type[][] choices = method.GetGenericArguments()
                .Select(parameter => Arguments(assembly, parameter, attribute.Instantiations)).ToArray();
            if (choices.Any(c => c.Length == 0))
                throw new InvalidOperationException($"Generic kernel {baseName} has no type to be instantiated with.");
            foreach (Type[] arguments in Combinations(choices))
                entries.Add(new KernelEntry($"{baseName}[{string.Join(',', arguments.Select(ReadableName))}]",
                    method.MakeGenericMethod(arguments), attribute.Hot));
        }
        entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return entries;
    }

    /// <summary>
    /// The type arguments a kernel's type parameter is compiled with: the listed <paramref name="instantiations"/>
    /// that meet its constraints if any do, else every struct in <paramref name="assembly"/> that does. A generic
    /// struct with one type parameter (an adapter such as <c>AnalyticSource&lt;TEnergy&gt;</c>) is closed with every
    /// argument its own parameter takes by the same rule; one with more (a composition such as <c>Sum&lt;TA, TB&gt;</c>)
    /// is closed with the first plain struct meeting each parameter's constraints, so compositions get checked too, and
    /// so is a wrapper that could wrap itself (<c>TemperedTransition&lt;TTransition&gt;</c>: its parameter's constraints
    /// are the kernel parameter's), which would otherwise multiply every kernel it appears in.
    /// </summary>
    private static Type[] Arguments(Assembly assembly, Type parameter, Type[] instantiations)
    {
        Type[] interfaces = Interfaces(parameter);
        Type[] listed = instantiations.Where(t => interfaces.Length > 0 && Meets(t, interfaces)).ToArray();
        if (listed.Length > 0) return listed;
        Type[] plain = Candidates(assembly, parameter).Where(t => !t.IsGenericTypeDefinition).ToArray();
        IEnumerable<Type> closed = Candidates(assembly, parameter)
            .Where(t => t.IsGenericTypeDefinition)
            .SelectMany(t => t.GetGenericArguments() is [Type single] && !Candidates(assembly, single).Contains(t)
                ? Arguments(assembly, single, instantiations).Select(a => t.MakeGenericType(a))
                : [t.MakeGenericType(t.GetGenericArguments()
                    .Select(a => Candidates(assembly, a).First(c => !c.IsGenericTypeDefinition)).ToArray())]);
        return plain.Concat(closed).ToArray();
    }

    /// <summary>Every way to pick one type from each list, in order.</summary>
    private static IEnumerable<Type[]> Combinations(Type[][] choices) =>
        choices.Aggregate((IEnumerable<Type[]>)[[]], (sofar, next) => sofar.SelectMany(p => next.Select(t => (Type[])[.. p, t])));

    /// <summary>Ackley, or Sum-Ackley-Ackley for a closed generic struct (file-name safe).</summary>
    private static string ReadableName(Type type) => !type.IsGenericType
        ? type.Name
        : string.Join('-', [type.Name[..type.Name.IndexOf('`')], .. type.GetGenericArguments().Select(ReadableName)]);

    private static IEnumerable<Type> Candidates(Assembly assembly, Type parameter)
    {
        Type[] interfaces = Interfaces(parameter);
        if (interfaces.Length == 0) return [];
        return assembly.GetTypes()
            .Where(t => t.IsValueType && !t.IsEnum && Meets(t, interfaces))
            .OrderBy(t => t.Name, StringComparer.Ordinal);
    }

    private static Type[] Interfaces(Type parameter) =>
        parameter.GetGenericParameterConstraints().Where(c => c.IsInterface).ToArray();

    private static bool Meets(Type type, Type[] interfaces) => interfaces.All(i => i.IsAssignableFrom(type));
}

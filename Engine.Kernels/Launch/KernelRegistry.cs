using System.Reflection;
using TorchEbm.Kernels.Samplers;

namespace TorchEbm.Launch;

/// <summary>One compiled specialisation of a kernel marked with <see cref="KernelAttribute"/>.</summary>
/// <param name="Name">Readable and file-name safe: <c>FillKernels.Normal</c>, or <c>LangevinKernels.Run[DoubleWell]</c>.</param>
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
            Type[] arguments = attribute.Instantiations.Length > 0
                ? attribute.Instantiations
                : StructsSatisfying(assembly, method.GetGenericArguments()[0]);
            if (arguments.Length == 0)
                throw new InvalidOperationException($"Generic kernel {baseName} has no type to be instantiated with.");
            foreach (Type argument in arguments)
                entries.Add(new KernelEntry($"{baseName}[{ReadableName(argument)}]", method.MakeGenericMethod(argument), attribute.Hot));
        }
        entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return entries;
    }

    /// <summary>
    /// Every struct in <paramref name="assembly"/> that implements all interface constraints of
    /// <paramref name="parameter"/>. A generic struct (a composition such as <c>Sum&lt;TA, TB&gt;</c>) is closed with
    /// the first plain struct meeting each of its own parameters' constraints, so compositions get checked too.
    /// </summary>
    private static Type[] StructsSatisfying(Assembly assembly, Type parameter)
    {
        Type[] plain = Candidates(assembly, parameter).Where(t => !t.IsGenericTypeDefinition).ToArray();
        IEnumerable<Type> composed = Candidates(assembly, parameter)
            .Where(t => t.IsGenericTypeDefinition)
            .Select(t => t.MakeGenericType(t.GetGenericArguments()
                .Select(a => Candidates(assembly, a).First(c => !c.IsGenericTypeDefinition)).ToArray()));
        return plain.Concat(composed).ToArray();
    }

    /// <summary>Ackley, or Sum-Ackley-Ackley for a closed generic struct (file-name safe).</summary>
    private static string ReadableName(Type type) => !type.IsGenericType
        ? type.Name
        : string.Join('-', [type.Name[..type.Name.IndexOf('`')], .. type.GetGenericArguments().Select(ReadableName)]);

    private static IEnumerable<Type> Candidates(Assembly assembly, Type parameter)
    {
        Type[] interfaces = parameter.GetGenericParameterConstraints().Where(c => c.IsInterface).ToArray();
        if (interfaces.Length == 0) return [];
        return assembly.GetTypes()
            .Where(t => t.IsValueType && !t.IsEnum && interfaces.All(i => i.IsAssignableFrom(t)))
            .OrderBy(t => t.Name, StringComparer.Ordinal);
    }
}

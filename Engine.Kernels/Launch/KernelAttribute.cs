namespace TorchEbm.Launch;

/// <summary>
/// Marks a static method as a device kernel. The PTX test and <c>tools/ptxas-check.sh</c> find every kernel
/// by this attribute, so a new kernel is checked as soon as it is written.
/// </summary>
/// <remarks>
/// A generic kernel is compiled with every struct of Engine.Kernels that satisfies each type parameter's interface
/// constraints, e.g. every <c>IEnergy</c>, so a new energy is checked without touching the kernels (several type
/// parameters: every combination; generic adapter structs such as <c>AnalyticSource&lt;TEnergy&gt;</c> closed with
/// every argument their parameter takes). <see cref="Instantiations"/> narrows that list.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class KernelAttribute : Attribute
{
    /// <summary>
    /// A hot kernel sits on a sampler's or training loop's critical path: ptxas must report zero spill
    /// bytes for it.
    /// </summary>
    public bool Hot { get; init; }

    /// <summary>
    /// Explicit type arguments: a type parameter (of the kernel, or of a generic struct closed for it) whose constraints
    /// some of these meet takes only those (default: every struct meeting its constraints).
    /// </summary>
    public Type[] Instantiations { get; init; } = [];
}

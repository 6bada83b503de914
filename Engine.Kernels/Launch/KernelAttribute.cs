namespace TorchEbm.Launch;

/// <summary>
/// Marks a static method as a device kernel. The PTX test and <c>tools/ptxas-check.sh</c> find every kernel
/// by this attribute, so a new kernel is checked as soon as it is written.
/// </summary>
/// <remarks>
/// A generic kernel lists in <see cref="Instantiations"/> the type arguments to compile it with
/// (one array of types per specialisation is not expressible in an attribute, so each entry is one
/// closed type argument for a kernel with a single type parameter).
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class KernelAttribute : Attribute
{
    /// <summary>
    /// A hot kernel sits on a sampler's or training loop's critical path: ptxas must report zero spill
    /// bytes for it.
    /// </summary>
    public bool Hot { get; init; }

    /// <summary>Type arguments for a generic kernel with one type parameter; each gives one compiled specialisation.</summary>
    public Type[] Instantiations { get; init; } = [];
}

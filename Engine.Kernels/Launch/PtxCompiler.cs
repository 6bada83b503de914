using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace TorchEbm.Launch;

/// <summary>
/// Compiles kernels to PTX without a GPU, with ILGPU's own PTX backend, for the PTX test and
/// <c>tools/ptxas-check.sh</c>. The target defaults to sm_90 with PTX ISA 7.8 (the newest that Debian's
/// CUDA 11.8 ptxas accepts); ILGPU itself clamps what it emits to what it knows.
/// </summary>
public sealed class PtxCompiler : IDisposable
{
    private readonly Context _context;
    private readonly PTXBackend _backend;

    /// <summary>Creates a compiler for sm_90, PTX ISA 7.8.</summary>
    public PtxCompiler() : this(CudaArchitecture.SM_90, CudaInstructionSet.ISA_78) { }

    /// <summary>Creates a compiler for the given architecture and PTX instruction set.</summary>
    public PtxCompiler(CudaArchitecture architecture, CudaInstructionSet isa)
    {
        // A failed compile can leave ILGPU's context unusable: callers that expect failures use their own compiler.
        _context = Context.Create(builder => builder.EnableAlgorithms());
        _backend = new PTXBackend(_context, new CudaCapabilityContext(architecture), architecture, isa, null);
    }

    /// <summary>The PTX text of one explicitly grouped kernel.</summary>
    /// <exception cref="InvalidOperationException">ILGPU could not compile the kernel; the message names it.</exception>
    public string Compile(KernelEntry kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        try
        {
            var entry = EntryPointDescription.FromExplicitlyGroupedKernel(kernel.Method);
            var compiled = (PTXCompiledKernel)_backend.Compile(entry, default(KernelSpecialization));
            return compiled.PTXAssembly;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidOperationException($"Kernel {kernel.Name} does not compile to PTX: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _backend.Dispose();
        _context.Dispose();
    }
}

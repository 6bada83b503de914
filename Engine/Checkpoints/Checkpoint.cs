using ILGPU.Runtime;
using TorchEbm.Autodiff;
using TorchEbm.Optim;

namespace TorchEbm.Checkpoints;

/// <summary>
/// Saves and loads a module's parameters, and an optimizer's state, as safetensors files. Parameter names are
/// PyTorch's state_dict names, so a file of an <see cref="MLP"/> loads into the equivalent
/// <c>torch.nn.Sequential(Linear, SiLU, ...)</c> with <c>load_state_dict(strict=True)</c>, and back.
/// </summary>
public static class Checkpoint
{
    /// <summary>Writes every parameter of <paramref name="module"/> (atomically) with optional string metadata.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or a directory, or a metadata value is null.</exception>
    /// <exception cref="IOException">The file could not be written (the previous file, if any, is left as it was).</exception>
    public static void Save(string path, Module module, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        SafeTensorsFile.Save(path, module.NamedParameters().Select(p => ToHost(p.Name, p.Parameter.Value)), metadata);
    }

    /// <summary>
    /// Loads parameters into <paramref name="module"/>: the file must hold exactly the module's parameter names with
    /// the same shapes (strict, as PyTorch's default) and, unless <paramref name="allowNonFinite"/>, only finite
    /// values; nothing is changed unless all of them pass.
    /// </summary>
    /// <param name="path">The safetensors file.</param>
    /// <param name="module">The module whose parameters are overwritten.</param>
    /// <param name="allowNonFinite">Accept NaN and infinite weights (e.g. to inspect a diverged run).</param>
    /// <returns>The file's metadata.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or a directory.</exception>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not a valid safetensors file, names or shapes differ, or a tensor holds NaN or infinity.
    /// </exception>
    public static IReadOnlyDictionary<string, string> Load(string path, Module module, bool allowNonFinite = false)
    {
        ArgumentNullException.ThrowIfNull(module);
        (IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string> metadata) = SafeTensorsFile.Load(path);
        var byName = tensors.ToDictionary(t => t.Name);
        (string Name, Var Parameter)[] parameters = [.. module.NamedParameters()];
        string[] missing = [.. parameters.Select(p => p.Name).Where(n => !byName.ContainsKey(n))];
        string[] unexpected = [.. byName.Keys.Where(n => parameters.All(p => p.Name != n))];
        if (missing.Length > 0 || unexpected.Length > 0)
            throw new InvalidDataException(
                $"{Path.GetFileName(path)} does not fit the module: missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}].");
        foreach ((string name, Var parameter) in parameters)
            if (!byName[name].Shape.AsSpan().SequenceEqual(parameter.Value.Shape))
                throw new InvalidDataException(
                    $"{Path.GetFileName(path)}: '{name}' has shape {byName[name].ShapeText} in the file but {Shapes.Format(parameter.Value.Shape)} in the module.");
        if (!allowNonFinite) RequireFinite(tensors, path);
        foreach ((string name, Var parameter) in parameters)
            parameter.Value.View.CopyFromCPU(byName[name].Data);
        return metadata;
    }

    /// <summary>Writes the state of <paramref name="optimizer"/> (moments or momentum buffers, step counts), atomically.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or a directory.</exception>
    /// <exception cref="IOException">The file could not be written (the previous file, if any, is left as it was).</exception>
    /// <exception cref="ObjectDisposedException">The optimizer has been disposed.</exception>
    public static void SaveOptimizer(string path, Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        OptimizerState state = optimizer.ExportState();
        SafeTensorsFile.Save(path, state.Tensors.Select(t => ToHost(t.Name, t.Tensor)), state.Metadata);
    }

    /// <summary>
    /// Loads a state written by <see cref="SaveOptimizer"/> for an optimizer of the same kind and parameters. The whole
    /// file is checked first; if anything is wrong the optimizer is left unchanged.
    /// </summary>
    /// <param name="path">The safetensors file.</param>
    /// <param name="optimizer">The optimizer whose state is replaced.</param>
    /// <param name="allowNonFinite">Accept NaN and infinite state values.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or a directory.</exception>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is invalid or does not fit the optimizer: another kind, an unknown or missing name, a wrong shape, a step
    /// that is not an integer of at least 1, or (unless <paramref name="allowNonFinite"/>) a NaN or infinite value.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The optimizer has been disposed.</exception>
    public static void LoadOptimizer(string path, Optimizer optimizer, bool allowNonFinite = false)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ObjectDisposedException.ThrowIf(optimizer.IsDisposed, optimizer);
        (IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string> metadata) = SafeTensorsFile.Load(path);
        if (!allowNonFinite) RequireFinite(tensors, path);
        optimizer.ImportState(tensors.ToDictionary(t => t.Name, t => (t.Shape, t.Data)), metadata, Path.GetFileName(path));
    }

    /// <summary>Rejects a NaN or infinite value, naming the tensor and the first such element.</summary>
    private static void RequireFinite(IEnumerable<SafeTensor> tensors, string path)
    {
        foreach (SafeTensor t in tensors)
        {
            int bad = Array.FindIndex(t.Data, x => !float.IsFinite(x));
            if (bad < 0) continue;
            string value = float.IsNaN(t.Data[bad]) ? "NaN" : t.Data[bad] > 0 ? "+Infinity" : "-Infinity";
            throw new InvalidDataException(
                $"{Path.GetFileName(path)}: tensor '{t.Name}' holds {value} at element {bad}; pass allowNonFinite: true to load non-finite values.");
        }
    }

    private static SafeTensor ToHost(string name, Tensor tensor) => new(name, tensor.Shape, tensor.ToArray());
}

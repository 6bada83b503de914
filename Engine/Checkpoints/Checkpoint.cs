using ILGPU.Runtime;
using TorchEbm.Autodiff;
using TorchEbm.Models;
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

    /// <summary>
    /// Writes <paramref name="model"/>'s weights (the same PyTorch state_dict names as
    /// <see cref="Save(string, Module, IReadOnlyDictionary{string, string})"/>) and its model card, atomically, so that
    /// <see cref="LoadModel"/> rebuilds the model from the file alone. The card is safetensors metadata: <c>format</c>
    /// (<c>torchebm-mlp</c>), <c>format_version</c> (1), <c>input_dim</c>, <c>hidden</c> (comma-separated widths, empty
    /// for none), <c>activation</c> (PyTorch's class name, e.g. <c>SiLU</c>), <c>output_dim</c>, and, when
    /// <paramref name="sampler"/> is given, <c>step_size</c>, <c>noise_scale</c> and <c>sample_steps</c>.
    /// </summary>
    /// <param name="path">The safetensors file to write.</param>
    /// <param name="model">A model whose network is a plain MLP: an <see cref="MLP"/>, or a <see cref="Sequential"/> of
    /// <see cref="Linear"/> layers with one <see cref="ActivationLayer"/> (the same activation) between each pair.</param>
    /// <param name="sampler">Sampler settings to keep with the model (e.g. those it was trained with), or null.</param>
    /// <param name="metadata">The caller's own string metadata (dataset, seed, ...); its keys must not be the card's.</param>
    /// <exception cref="ArgumentException">
    /// <paramref name="path"/> is empty or a directory; <paramref name="model"/>'s network is not a plain MLP (save its
    /// weights with <see cref="Save(string, Module, IReadOnlyDictionary{string, string})"/> instead); or a
    /// <paramref name="metadata"/> key is one of the card's keys, or a value is null.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    /// <exception cref="IOException">The file could not be written (the previous file, if any, is left as it was).</exception>
    public static void Save(string path, NeuralNetworkModel model, SamplerSettings? sampler = null,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(model);
        model.ThrowIfDisposed();
        var architecture = ModelCardFormat.Describe(model.Network, nameof(model));
        Dictionary<string, string> all = ModelCardFormat.Write(architecture, sampler, metadata);
        Save(path, model.Network, all);
    }

    /// <summary>
    /// Rebuilds the <see cref="NeuralNetworkModel"/> that <see cref="Save(string, NeuralNetworkModel, SamplerSettings?, IReadOnlyDictionary{string, string}?)"/>
    /// wrote, on <paramref name="device"/>, from the file alone. The card, the tensor names and shapes and (unless
    /// <paramref name="allowNonFinite"/>) the values are all checked before anything is allocated; if anything is
    /// wrong nothing is left allocated.
    /// </summary>
    /// <param name="path">The safetensors file.</param>
    /// <param name="device">The device the model is built on.</param>
    /// <param name="allowNonFinite">Accept NaN and infinite weights (e.g. to inspect a diverged run).</param>
    /// <returns>The model (the caller disposes it); its network is an <see cref="MLP"/>. Read the rest of the card
    /// (sampler settings, metadata) with <see cref="ReadModelCard"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or a directory.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="device"/> has been disposed.</exception>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not a valid safetensors file; a card key is missing or malformed (an unknown activation or a number in
    /// its place, a size that is not a whole number in [1, 1048576], a format or version this engine does not read,
    /// partial sampler settings); the tensors' names or shapes do not match the card's architecture; or a weight is NaN
    /// or infinite. The message names the key or tensor.
    /// </exception>
    public static NeuralNetworkModel LoadModel(string path, Device device, bool allowNonFinite = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(device);
        ObjectDisposedException.ThrowIf(device.IsDisposed, device);
        (ModelCard card, IReadOnlyList<SafeTensor> tensors) = ReadChecked(path);
        if (!allowNonFinite) RequireFinite(tensors, path);
        var byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        MLP? network = null;
        try
        {
            network = new MLP(device, card.InputDim, [.. card.HiddenDims], card.OutputDim, card.Activation);
            foreach ((string name, Var parameter) in network.NamedParameters())
                parameter.Value.View.CopyFromCPU(byName[name].Data);
            return new NeuralNetworkModel(network);
        }
        catch
        {
            network?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads the model card of a file written by <see cref="Save(string, NeuralNetworkModel, SamplerSettings?, IReadOnlyDictionary{string, string}?)"/>
    /// without building the model: its architecture, sampler settings and the caller's metadata. The file is checked as
    /// <see cref="LoadModel"/> checks it, except for non-finite weights.
    /// </summary>
    /// <param name="path">The safetensors file.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or a directory.</exception>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not a valid safetensors file, its card is missing or malformed, or its tensors do not match the card.
    /// </exception>
    public static ModelCard ReadModelCard(string path) => ReadChecked(path).Card;

    /// <summary>The file's card and tensors, the card checked and the tensors checked against it.</summary>
    private static (ModelCard Card, IReadOnlyList<SafeTensor> Tensors) ReadChecked(string path)
    {
        (IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string> metadata) = SafeTensorsFile.Load(path);
        string file = Path.GetFileName(path);
        ModelCard card = ModelCardFormat.Read(metadata, file);
        ModelCardFormat.CheckTensors(card, tensors, file);
        return (card, tensors);
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
            int bad = Check.FirstNonFinite(t.Data);
            if (bad < 0) continue;
            string value = float.IsNaN(t.Data[bad]) ? "NaN" : t.Data[bad] > 0 ? "+Infinity" : "-Infinity";
            throw new InvalidDataException(
                $"{Path.GetFileName(path)}: tensor '{t.Name}' holds {value} at element {bad}; pass allowNonFinite: true to load non-finite values.");
        }
    }

    private static SafeTensor ToHost(string name, Tensor tensor) => new(name, tensor.Shape, tensor.ToArray());
}

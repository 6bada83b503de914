using System.Globalization;
using TorchEbm.Training;

namespace TorchEbm.Cli.Commands;

/// <summary>
/// The loss a run trained with and the settings that loss uses (the others' options are not listed), then the data noise
/// when there is any (it applies to every loss), in order: what metrics.json's "objective" and the checkpoint's metadata
/// record.
/// </summary>
internal static class LossSettings
{
    public static IReadOnlyList<KeyValuePair<string, object>> Of(TrainingOptions options)
    {
        var settings = new List<KeyValuePair<string, object>> { new("loss", options.Loss) };
        void Add(string key, object value) => settings.Add(new(key, value));
        switch (options.Loss)
        {
            case "cd":
                Add("k", options.K);
                Add("persistent", options.Persistent);
                Add("reinit_fraction", options.ReinitFraction);
                Add("energy_reg", options.EnergyRegularization);
                break;
            case "sm":
                Add("hessian_trace", "exact");
                break;
            case "ssm":
                Add("projections", options.Projections);
                Add("projection", "rademacher");
                Add("variance_reduced", true);
                break;
            case "dsm":
                Add("sigma", options.Sigma);
                break;
            case "eqm":
                Add("threshold", Losses.EquilibriumMatching.DefaultThreshold);
                Add("multiplier", Losses.EquilibriumMatching.DefaultMultiplier);
                Add("energy", "scalar");
                break;
            case "em":
                Add("flow_steps", options.FlowSteps ?? options.Steps / 2);
                Add("sweep_steps", options.SweepSteps);
                Add("epsilon_max", TrainingOptions.EnergyMatchingTemperature);
                Add("coupling", "exact_ot");
                break;
        }
        if (options.DataNoise > 0f) Add("data_noise", options.DataNoise);
        return settings;
    }

    /// <summary>The settings as text (safetensors metadata holds strings): invariant culture, booleans in lower case.</summary>
    public static Dictionary<string, string> AsText(TrainingOptions options) =>
        Of(options).ToDictionary(s => s.Key, s => s.Value switch
        {
            bool b => b ? "true" : "false",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => s.Value.ToString()!,
        });

    /// <summary>One line for the console, e.g. "dsm (sigma 0.1)".</summary>
    public static string Describe(TrainingOptions options)
    {
        Dictionary<string, string> text = AsText(options);
        string rest = string.Join(", ", text.Skip(1).Select(s => $"{s.Key.Replace('_', ' ')} {s.Value}"));
        return rest.Length == 0 ? options.Loss : $"{options.Loss} ({rest})";
    }
}

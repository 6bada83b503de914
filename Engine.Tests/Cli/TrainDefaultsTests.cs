using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using TorchEbm.Losses;
using TorchEbm.Training;

namespace TorchEbm.Tests.Cli;

/// <summary>
/// <c>torchebm train</c> trains with the library's own defaults (issue 23): the contrastive-divergence settings its help
/// shows are those of <see cref="ContrastiveDivergence"/>'s constructor and of <see cref="TrainingOptions"/>, so a user
/// who moves from the command line to the library (or back) keeps the recipe.
/// </summary>
[TestFixture]
public sealed class TrainDefaultsTests
{
    private static readonly IReadOnlyDictionary<string, string> Help = Defaults(CliRun.Of("train", "--help"));

    /// <summary>The "[default: X]" of each option of a command's help, by option name.</summary>
    private static Dictionary<string, string> Defaults(CliRun help)
    {
        Assert.That(help.ExitCode, Is.EqualTo(0), help.Stderr);
        return Regex.Matches(help.Stdout, @"^\s*(--[a-z-]+)\b.*\[default: ([^\]]+)\]\s*$", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
    }

    /// <summary>The default value of the <see cref="ContrastiveDivergence"/> constructor's parameter <paramref name="name"/>.</summary>
    private static object Library(string name)
    {
        ParameterInfo parameter = typeof(ContrastiveDivergence).GetConstructors().Single().GetParameters().Single(p => p.Name == name);
        Assert.That(parameter.HasDefaultValue, Is.True, $"{name} has a default");
        return parameter.DefaultValue!;
    }

    private static float Number(string option) => float.Parse(Help[option], CultureInfo.InvariantCulture);

    [Test]
    public void ContrastiveDivergenceSettings_AreTheLossConstructorsDefaults()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Help["--loss"], Is.EqualTo("cd"));
            Assert.That((int)Number("--k"), Is.EqualTo((int)Library("k")), "--k");
            Assert.That(bool.Parse(Help["--persistent"]), Is.EqualTo((bool)Library("persistent")), "--persistent");
            Assert.That(Number("--reinit-fraction"), Is.EqualTo((float)Library("reinitFraction")), "--reinit-fraction");
            Assert.That(Number("--energy-reg"), Is.EqualTo((float)Library("energyRegularization")), "--energy-reg");
        });
    }

    [Test]
    public void TrainingOptions_AreTheLossConstructorsDefaults()
    {
        var options = new TrainingOptions();
        Assert.Multiple(() =>
        {
            Assert.That(options.Loss, Is.EqualTo("cd"));
            Assert.That(options.K, Is.EqualTo((int)Library("k")));
            Assert.That(options.Persistent, Is.EqualTo((bool)Library("persistent")));
            Assert.That(options.BufferSize, Is.EqualTo((int)Library("bufferSize")));
            Assert.That(options.ReinitFraction, Is.EqualTo((float)Library("reinitFraction")));
            Assert.That(options.EnergyRegularization, Is.EqualTo((float)Library("energyRegularization")));
        });
    }

    [Test]
    public void HelpDefaults_AreTheTrainingOptionsDefaults()
    {
        var options = new TrainingOptions();
        Assert.Multiple(() =>
        {
            Assert.That(Help["--dataset"], Is.EqualTo(options.Dataset));
            Assert.That((int)Number("--steps"), Is.EqualTo(options.Steps), "--steps");
            Assert.That((int)Number("--batch-size"), Is.EqualTo(options.BatchSize), "--batch-size");
            Assert.That(Number("--lr"), Is.EqualTo(options.Lr), "--lr");
            Assert.That(Number("--step-size"), Is.EqualTo(options.StepSize), "--step-size");
            Assert.That(Number("--noise-scale"), Is.EqualTo(options.NoiseScale), "--noise-scale");
        });
    }
}

using ScottPlot;
using TorchEbm.Models;

namespace TorchEbm.Cli.Plots;

/// <summary>The PNGs of a training run: the learned energy landscape with data and samples on top, the samples alone, the loss curve.</summary>
internal static class TrainingPlots
{
    private const int Grid = 120, Overlay = 1500;

    /// <summary>Heatmap of E(x) over the data's bounding box (plus a margin), data and model samples overlaid.</summary>
    public static void Energy(string path, BaseModel model, float[] data, float[] samples, string title)
    {
        (double lo, double hi) = Bounds(data);
        double step = (hi - lo) / (Grid - 1);
        var points = new float[Grid * Grid * 2];
        for (int r = 0; r < Grid; r++)
        for (int c = 0; c < Grid; c++)
        {
            points[2 * (r * Grid + c)] = (float)(lo + c * step);
            points[2 * (r * Grid + c) + 1] = (float)(lo + r * step);
        }
        using Tensor grid = model.Device.FromArray(points, Grid * Grid, 2);
        using Tensor energies = model.Forward(grid);
        float[] e = energies.ToArray();
        var field = new double[Grid, Grid];
        for (int r = 0; r < Grid; r++)
        for (int c = 0; c < Grid; c++)
            field[r, c] = e[r * Grid + c];

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(field);
        heatmap.FlipVertically = true; // row r holds y = lo + r step: increasing y upwards
        heatmap.Position = new CoordinateRect(lo, hi, lo, hi);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        // Colour the lower half of the energies only: the wells are what matter, and the high energies far from the
        // data would otherwise take up the whole scale.
        double[] sorted = [.. e.Select(v => (double)v).Order()];
        heatmap.ManualRange = new ScottPlot.Range(sorted[0], sorted[sorted.Length / 2]);
        plot.Add.ColorBar(heatmap).Label = "energy E(x)";
        Scatter(plot, data, Colors.White.WithAlpha(0.6), "data");
        Scatter(plot, samples, Colors.Red, "model samples");
        plot.ShowLegend(Alignment.UpperRight);
        plot.Title(title);
        plot.XLabel("x1");
        plot.YLabel("x2");
        plot.Axes.SetLimits(lo, hi, lo, hi);
        plot.SavePng(path, 800, 700);
    }

    /// <summary>Model samples beside the data, same axes.</summary>
    public static void Samples(string path, float[] data, float[] samples, string title)
    {
        (double lo, double hi) = Bounds(data);
        var plot = new Plot();
        Scatter(plot, data, Colors.Gray.WithAlpha(0.5), "data");
        Scatter(plot, samples, Colors.Red, "model samples");
        plot.ShowLegend(Alignment.UpperRight);
        plot.Title(title);
        plot.Axes.SetLimits(lo, hi, lo, hi);
        plot.SavePng(path, 700, 700);
    }

    /// <summary>The loss of every step.</summary>
    public static void Loss(string path, IReadOnlyList<float> losses)
    {
        var plot = new Plot();
        double[] steps = [.. Enumerable.Range(1, losses.Count).Select(i => (double)i)];
        plot.Add.ScatterLine(steps, [.. losses.Select(l => (double)l)]).LineWidth = 1;
        plot.Title("contrastive-divergence loss");
        plot.XLabel("step");
        plot.YLabel("loss");
        plot.SavePng(path, 800, 500);
    }

    private static void Scatter(Plot plot, float[] xy, Color color, string label)
    {
        int n = Math.Min(xy.Length / 2, Overlay);
        double[] x = [.. Enumerable.Range(0, n).Select(i => (double)xy[2 * i])];
        double[] y = [.. Enumerable.Range(0, n).Select(i => (double)xy[2 * i + 1])];
        var markers = plot.Add.ScatterPoints(x, y);
        markers.MarkerSize = 3;
        markers.Color = color;
        markers.LegendText = label;
    }

    /// <summary>A square box around the data with a 15% margin.</summary>
    private static (double Lo, double Hi) Bounds(float[] xy)
    {
        double lo = xy.Min(), hi = xy.Max(), margin = 0.15 * (hi - lo) + 1e-3;
        return (lo - margin, hi + margin);
    }
}

using ScottPlot;
using TorchEbm.Files;
using TorchEbm.Models;

namespace TorchEbm.Cli.Plots;

/// <summary>The PNGs of a training run: the learned energy landscape with data and samples on top, the samples alone, the loss curve.</summary>
internal static class TrainingPlots
{
    private const int Grid = 120, Overlay = 1500;
    private const double ClipLow = 0.02, ClipHigh = 0.98;

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
        // The colour scale spans the 2nd to 98th percentile of the grid's energies, so a few extreme values far from the
        // data cannot flatten the wells; the colour bar says so, and the clipped ends take the end colours.
        double[] sorted = [.. e.Where(float.IsFinite).Select(v => (double)v).Order()];
        if (sorted.Length > 0)
            heatmap.ManualRange = new ScottPlot.Range(Quantile(sorted, ClipLow), Quantile(sorted, ClipHigh));
        plot.Add.ColorBar(heatmap).Label = $"energy E(x), clipped to its {ClipLow * 100:0}th-{ClipHigh * 100:0}th percentiles";
        Scatter(plot, samples, Colors.Red, "model samples");
        Scatter(plot, data, Colors.Cyan.WithAlpha(0.8), "data"); // on top, in a colour the legend and the wells both show
        plot.ShowLegend(Alignment.UpperRight);
        plot.Title(title);
        plot.XLabel("x1");
        plot.YLabel("x2");
        plot.Axes.SetLimits(lo, hi, lo, hi);
        Save(plot, path, 800, 700);
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
        plot.XLabel("x1");
        plot.YLabel("x2");
        plot.Axes.SetLimits(lo, hi, lo, hi);
        Save(plot, path, 700, 700);
    }

    /// <summary>The loss of every step (light) under its moving average over 5% of the run (bold).</summary>
    public static void Loss(string path, IReadOnlyList<float> losses)
    {
        var plot = new Plot();
        double[] steps = [.. Enumerable.Range(1, losses.Count).Select(i => (double)i)];
        double[] raw = [.. losses.Select(l => (double)l)];
        var rawLine = plot.Add.ScatterLine(steps, raw);
        rawLine.LineWidth = 1;
        rawLine.Color = Colors.SteelBlue.WithAlpha(0.35);
        rawLine.LegendText = "loss per step";
        int window = Math.Clamp(losses.Count / 20, 1, Math.Max(1, losses.Count));
        var smooth = plot.Add.ScatterLine(steps, MovingAverage(raw, window));
        smooth.LineWidth = 2.5f;
        smooth.Color = Colors.Navy;
        smooth.LegendText = $"moving average over {window} steps";
        plot.ShowLegend(Alignment.UpperRight);
        plot.Title("contrastive-divergence loss");
        plot.XLabel("step");
        plot.YLabel("loss");
        Save(plot, path, 800, 500);
    }

    /// <summary>Writes the plot as a PNG atomically: a full disk or a kill leaves the previous file (or none), never a truncated one.</summary>
    private static void Save(Plot plot, string path, int width, int height)
    {
        byte[] png = plot.GetImageBytes(width, height, ImageFormat.Png);
        AtomicFile.Write(path, stream => stream.Write(png));
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

    /// <summary>Mean of the (up to) <paramref name="window"/> values ending at each index; non-finite values are skipped.</summary>
    private static double[] MovingAverage(double[] values, int window)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            var span = values.AsSpan(Math.Max(0, i - window + 1)..(i + 1));
            double sum = 0;
            int count = 0;
            foreach (double v in span)
                if (double.IsFinite(v)) { sum += v; count++; }
            result[i] = count > 0 ? sum / count : double.NaN;
        }
        return result;
    }

    /// <summary>The q-quantile of sorted values (nearest rank).</summary>
    private static double Quantile(double[] sorted, double q) => sorted[(int)Math.Round(q * (sorted.Length - 1))];

    /// <summary>A square box around the data with a 15% margin.</summary>
    private static (double Lo, double Hi) Bounds(float[] xy)
    {
        double lo = xy.Min(), hi = xy.Max(), margin = 0.15 * (hi - lo) + 1e-3;
        return (lo - margin, hi + margin);
    }
}

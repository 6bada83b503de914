using System.Globalization;
using ILGPU.Runtime;
using System.Text;

namespace TorchEbm;

/// <summary>
/// <see cref="Tensor.ToString"/>: values laid out as PyTorch prints them, summarised to the first and last
/// <see cref="Edge"/> entries of each axis once a tensor has more than <see cref="Threshold"/> elements.
/// </summary>
internal static class TensorFormat
{
    private const int Edge = 3;
    private const int Threshold = 1000;

    public static string Format(Tensor t)
    {
        string suffix = $"shape={Check.Format(t.Shape)}, device={t.Device}";
        if (t.IsDisposed) return $"tensor(<disposed>, {suffix})";

        int[] shape = t.Shape;
        bool summarise = t.Length > Threshold;
        int[][] kept = shape.Select(n => summarise && n > 2 * Edge
            ? [.. Enumerable.Range(0, Edge), .. Enumerable.Range(n - Edge, Edge)]
            : Enumerable.Range(0, n).ToArray()).ToArray();
        float[] values = Gather(t, shape, kept);
        string[] text = Texts(values);
        int width = text.Max(s => s.Length);

        var sb = new StringBuilder("tensor(");
        int position = 0;
        Append(sb, text, width, shape, kept, axis: 0, ref position, indent: "tensor(".Length);
        return sb.Append(", ").Append(suffix).Append(')').ToString();
    }

    /// <summary>Copies the kept entries (every combination of kept indices) from the device, one row segment at a time.</summary>
    private static float[] Gather(Tensor t, int[] shape, int[][] kept)
    {
        int rank = shape.Length, rowLength = shape[rank - 1];
        int[] lastKept = kept[rank - 1];
        var rows = new List<long>();
        CollectRows(shape, kept, 0, 0, rows);
        var values = new float[rows.Count * lastKept.Length];
        var row = new float[lastKept.Length == rowLength ? rowLength : 2 * Edge];
        for (int r = 0; r < rows.Count; r++)
        {
            if (lastKept.Length == rowLength)
                t.View.SubView(rows[r], rowLength).CopyToCPU(row);
            else
            {
                t.View.SubView(rows[r], Edge).CopyToCPU(row.AsSpan(0, Edge));
                t.View.SubView(rows[r] + rowLength - Edge, Edge).CopyToCPU(row.AsSpan(Edge, Edge));
            }
            row.AsSpan(0, lastKept.Length).CopyTo(values.AsSpan(r * lastKept.Length));
        }
        return values;
    }

    /// <summary>Flat offsets of the kept rows (all axes but the last), in row-major order.</summary>
    private static void CollectRows(int[] shape, int[][] kept, int axis, long offset, List<long> rows)
    {
        if (axis == shape.Length - 1)
        {
            rows.Add(offset);
            return;
        }
        long stride = 1;
        for (int a = axis + 1; a < shape.Length; a++) stride *= shape[a];
        foreach (int i in kept[axis]) CollectRows(shape, kept, axis + 1, offset + i * stride, rows);
    }

    /// <summary>Fixed notation with four decimals, or scientific when the magnitudes call for it, as PyTorch chooses.</summary>
    private static string[] Texts(float[] values)
    {
        float[] finite = values.Where(float.IsFinite).Select(MathF.Abs).Where(v => v > 0).ToArray();
        bool scientific = finite.Length > 0 && (finite.Max() >= 1e4f || finite.Min() < 1e-4f);
        return values.Select(v => v switch
        {
            float.NaN => "nan",
            float.PositiveInfinity => "inf",
            float.NegativeInfinity => "-inf",
            _ => v.ToString(scientific ? "0.0000e+00" : "0.0000", CultureInfo.InvariantCulture),
        }).ToArray();
    }

    private static void Append(StringBuilder sb, string[] text, int width, int[] shape, int[][] kept, int axis, ref int position, int indent)
    {
        sb.Append('[');
        int[] indices = kept[axis];
        for (int k = 0; k < indices.Length; k++)
        {
            if (k > 0)
            {
                sb.Append(',');
                if (axis == shape.Length - 1) sb.Append(' ');
                else sb.Append('\n', shape.Length - 1 - axis).Append(' ', indent + axis + 1);
            }
            if (k > 0 && indices[k] != indices[k - 1] + 1) // a gap: the summarised middle
            {
                sb.Append("...,");
                if (axis == shape.Length - 1) sb.Append(' ');
                else sb.Append('\n', shape.Length - 1 - axis).Append(' ', indent + axis + 1);
            }
            if (axis == shape.Length - 1) sb.Append(text[position++].PadLeft(width));
            else Append(sb, text, width, shape, kept, axis + 1, ref position, indent);
        }
        sb.Append(']');
    }
}

using ILGPU;

namespace TorchEbm.Kernels.Random;

/// <summary>Four float32 values drawn from one Philox block.</summary>
public readonly record struct Float4(float X, float Y, float Z, float W)
{
    /// <summary>Reads view[index .. index + 3], with 0 for elements past the view's end (usable in kernels).</summary>
    public static Float4 LoadFrom(ArrayView<float> view, int index)
    {
        int n = view.IntLength;
        if (index + 3 < n) return new Float4(view[index], view[index + 1], view[index + 2], view[index + 3]);
        return new Float4(
            index < n ? view[index] : 0f,
            index + 1 < n ? view[index + 1] : 0f,
            index + 2 < n ? view[index + 2] : 0f,
            0f);
    }

    /// <summary>Writes X, Y, Z, W to view[index .. index + 3], dropping those past the view's end (usable in kernels).</summary>
    public void StoreTo(ArrayView<float> view, int index)
    {
        int n = view.IntLength;
        if (index + 3 < n)
        {
            view[index] = X;
            view[index + 1] = Y;
            view[index + 2] = Z;
            view[index + 3] = W;
            return;
        }
        if (index < n) view[index] = X;
        if (index + 1 < n) view[index + 1] = Y;
        if (index + 2 < n) view[index + 2] = Z;
    }
}

using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Kernels;

public sealed class TensorTests(DeviceKind kind) : DeviceTest(kind)
{
    [Test]
    public void FromArray_RoundTripsShapeAndValues_IncludingNaNAndInfinity()
    {
        float[] data = [1, -2, float.NaN, float.PositiveInfinity, 5, 6];
        using Tensor t = Device.FromArray(data, 2, 3);
        Assert.That(t.Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(t.Length, Is.EqualTo(6));
        Assert.That(t.Rank, Is.EqualTo(2));
        Assert.That(t.Device, Is.SameAs(Device));
        Assert.That(t.ToArray(), Is.EqualTo(data));
        Assert.That(t.ToArray2D()[1, 0], Is.EqualTo(float.PositiveInfinity));
    }

    [Test]
    public void FromArray2D_KeepsRowMajorLayout()
    {
        var m = new float[,] { { 1, 2, 3 }, { 4, 5, 6 } };
        using Tensor t = Device.FromArray(m);
        Assert.That(t.Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(t.ToArray(), Is.EqualTo(new float[] { 1, 2, 3, 4, 5, 6 }));
        Assert.That(t.ToArray2D(), Is.EqualTo(m));
    }

    [Test]
    public void ZerosAndFull_FillEveryElement([Values(1, 31, 33, 4097)] int n)
    {
        using Tensor z = Device.Zeros(n, 3);
        using Tensor f = Device.Full(2.5f, 3, n, 2);
        Assert.That(z.ToArray(), Is.All.EqualTo(0f));
        Assert.That(f.ToArray(), Has.Length.EqualTo(6 * n).And.All.EqualTo(2.5f));
        Assert.That(f.Shape, Is.EqualTo(new[] { 3, n, 2 }));
    }

    [Test]
    public void Clone_CopiesValuesIntoIndependentMemory()
    {
        using Tensor a = Device.FromArray([1f, 2f, 3f], 3);
        using Tensor b = a.Clone();
        a.Dispose();
        Assert.That(b.ToArray(), Is.EqualTo(new[] { 1f, 2f, 3f }));
        Assert.That(b.Shape, Is.EqualTo(new[] { 3 }));
    }

    [Test]
    public void Shape_IsACopy()
    {
        using Tensor t = Device.Zeros(2, 2);
        t.Shape[0] = 99;
        Assert.That(t.Shape, Is.EqualTo(new[] { 2, 2 }));
    }

    [Test]
    public void FromArray_WithMismatchedShape_NamesBothShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Device.FromArray(new float[5], 2, 3))!;
        Assert.That(e.ParamName, Is.EqualTo("shape"));
        Assert.That(e.Message, Does.Contain("(2, 3)").And.Contain("(5,)"));
    }

    [TestCase(new int[0])]
    [TestCase(new[] { 2, 2, 2, 2 })]
    [TestCase(new[] { 3, 0 })]
    [TestCase(new[] { -1 })]
    public void Zeros_WithInvalidShape_Throws(int[] shape)
    {
        var e = Assert.Throws<ArgumentException>(() => Device.Zeros(shape))!;
        Assert.That(e.ParamName, Is.EqualTo("shape"));
    }

    [Test]
    public void Shape_WithMoreThanIntMaxElements_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Device.Zeros(65536, 65536))!;
        Assert.That(e.Message, Does.Contain("(65536, 65536)"));
    }

    [Test]
    public void ToArray2D_OnRankOne_Throws()
    {
        using Tensor t = Device.Zeros(4);
        var e = Assert.Throws<InvalidOperationException>(() => t.ToArray2D())!;
        Assert.That(e.Message, Does.Contain("(4,)"));
    }

    [Test]
    public void ToArray3D_KeepsRowMajorOrder_AndThrowsOnRankTwo()
    {
        float[] flat = [.. Enumerable.Range(0, 24).Select(i => (float)i)];
        using Tensor t = Device.FromArray(flat, 2, 3, 4);
        float[,,] host = t.ToArray3D();
        Assert.That(new[] { host.GetLength(0), host.GetLength(1), host.GetLength(2) }, Is.EqualTo(new[] { 2, 3, 4 }));
        Assert.That(host[1, 2, 3], Is.EqualTo(23f));
        Assert.That(host[1, 0, 2], Is.EqualTo(14f));
        using Tensor matrix = Device.Zeros(2, 3);
        var e = Assert.Throws<InvalidOperationException>(() => matrix.ToArray3D())!;
        Assert.That(e.Message, Does.Contain("(2, 3)"));
    }

    [Test]
    public void UseAfterDispose_ThrowsObjectDisposed_AndDisposeTwiceIsSafe()
    {
        Tensor t = Device.Zeros(3);
        t.Dispose();
        Assert.That(t.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => t.ToArray());
        Assert.Throws<ObjectDisposedException>(() => t.Clone());
        Assert.Throws<ObjectDisposedException>(() => _ = t.View);
        Assert.DoesNotThrow(t.Dispose);
    }

    [Test]
    public void Dim_OutOfRange_Throws()
    {
        using Tensor t = Device.Zeros(2, 5);
        Assert.That(t.Dim(1), Is.EqualTo(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Dim(2));
    }
}

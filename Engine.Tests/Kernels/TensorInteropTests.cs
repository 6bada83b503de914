using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Kernels;

/// <summary>What a C# caller expects of a tensor: spans in and out, copies across devices, readable ToString.</summary>
public sealed class TensorInteropTests(DeviceKind kind) : DeviceTest(kind)
{
    [Test]
    public void FromSpan_CopiesASliceOfHostMemory()
    {
        float[] host = [9, 1, 2, 3, 4, 9];
        using Tensor t = Device.FromSpan(host.AsSpan(1, 4), 2, 2);
        Assert.That(t.ToArray(), Is.EqualTo(new float[] { 1, 2, 3, 4 }));
    }

    [Test]
    public void FromSpan_WithWrongLength_NamesBothSizes()
    {
        var e = Assert.Throws<ArgumentException>(() => Device.FromSpan(new float[5], 2, 2).Dispose())!;
        Assert.That(e.Message, Does.Contain("(2, 2)").And.Contain("5"));
    }

    [Test]
    public void CopyTo_FillsThePrefixOfALongerSpan_AndRejectsAShortOne()
    {
        using Tensor t = Device.FromArray([1f, 2f, 3f], 3);
        var destination = new float[5];
        t.CopyTo(destination);
        Assert.That(destination, Is.EqualTo(new float[] { 1, 2, 3, 0, 0 }));
        var e = Assert.Throws<ArgumentException>(() => t.CopyTo(new float[2]))!;
        Assert.That(e.ParamName, Is.EqualTo("destination"));
    }

    [Test]
    public void To_AnotherDevice_CopiesValuesAndShape()
    {
        using Device other = Device.Create(DeviceKind.Cpu);
        using Tensor t = Device.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 3, 2);
        using Tensor moved = t.To(other);
        using Tensor same = t.To(Device);
        Assert.That(moved.Device, Is.SameAs(other));
        Assert.That(moved.Shape, Is.EqualTo(new[] { 3, 2 }));
        Assert.That(moved.ToArray(), Is.EqualTo(t.ToArray()));
        Assert.That(same, Is.Not.SameAs(t));
        Assert.That(same.ToArray(), Is.EqualTo(t.ToArray()));
    }

    [Test]
    public void ToString_SmallTensor_ShowsEveryValue()
    {
        using Tensor t = Device.FromArray([0.5f, -1.25f, 3f, float.NaN], 2, 2);
        Assert.That(t.ToString(), Is.EqualTo(
            "tensor([[ 0.5000, -1.2500],\n" +
            "        [ 3.0000,     nan]], shape=(2, 2), device=" + Device + ")"));
    }

    [Test]
    public void ToString_Vector_IsOneLine()
    {
        using Tensor t = Device.FromArray([1f, 20000f], 2);
        Assert.That(t.ToString(), Is.EqualTo("tensor([1.0000e+00, 2.0000e+04], shape=(2,), device=" + Device + ")"));
    }

    [Test]
    public void ToString_LargeTensor_ShowsFirstAndLastRowsAndColumns()
    {
        float[] data = Enumerable.Range(0, 2000 * 8).Select(i => (float)(i % 10)).ToArray();
        using Tensor t = Device.FromArray(data, 2000, 8);
        string[] lines = t.ToString().Split('\n');
        Assert.That(lines, Has.Length.EqualTo(7), "three rows, the ellipsis, three rows");
        Assert.That(lines[0], Is.EqualTo("tensor([[0.0000, 1.0000, 2.0000, ..., 5.0000, 6.0000, 7.0000],"));
        Assert.That(lines[3].Trim(), Is.EqualTo("...,"));
        // Row 1999 starts at element 15992: values 2, 3, 4, ..., 7, 8, 9.
        Assert.That(lines[6], Does.StartWith("        [2.0000, 3.0000, 4.0000, ..., 7.0000, 8.0000, 9.0000]], shape=(2000, 8)"));
    }

    [Test]
    public void ToString_Rank3_SeparatesBlocksWithABlankLine()
    {
        using Tensor t = Device.FromArray([1f, 2f, 3f, 4f], 2, 1, 2);
        Assert.That(t.ToString(), Does.StartWith("tensor([[[1.0000, 2.0000]],\n\n        [[3.0000, 4.0000]]], shape=(2, 1, 2)"));
    }

    [Test]
    public void ToString_Disposed_DoesNotThrow()
    {
        Tensor t = Device.Zeros(2);
        t.Dispose();
        Assert.That(t.ToString(), Does.StartWith("tensor(<disposed>, shape=(2,)"));
    }
}

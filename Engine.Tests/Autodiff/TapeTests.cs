using TorchEbm.Autodiff;
using TorchEbm.Tests.Support;

namespace TorchEbm.Tests.Autodiff;

/// <summary>Accumulation, no-grad scopes, Tape.Grad, ownership and the errors of the tape.</summary>
public sealed class TapeTests(DeviceKind kind) : DeviceTest(kind)
{
    [Test]
    public void Gradients_AccumulateAcrossBackwardCalls_UntilZeroGrad()
    {
        using var w = new Var(Device.FromArray([1f, 2f, 3f], 3), requiresGrad: true);
        using var x = new Var(Device.FromArray([0.5f, -1f, 2f], 3));
        for (int call = 1; call <= 2; call++)
        {
            using Var loss = (w * x).Sum();
            loss.Backward();
            Assert.That(w.Grad!.ToArray(), Is.EqualTo(new[] { 0.5f * call, -1f * call, 2f * call }), $"after call {call}");
        }
        Assert.That(x.Grad, Is.Null, "x requires no gradient");
        w.ZeroGrad();
        Assert.That(w.Grad!.ToArray(), Is.All.EqualTo(0f));
    }

    [Test]
    public void SharedIntermediate_GetsBothContributions_AndRepeatedBackwardDoesNotDoubleCount()
    {
        using var w = new Var(Device.FromArray([3f], 1), requiresGrad: true);
        using Var h = w.Square();          // h = w^2, used twice
        using Var loss = (h + h * 2f).Sum(); // 3 w^2 -> d/dw = 6 w = 18
        loss.Backward();
        Assert.That(w.Grad!.ToArray(), Is.EqualTo(new[] { 18f }));
        loss.Backward();
        Assert.That(w.Grad!.ToArray(), Is.EqualTo(new[] { 36f }), "leaf accumulates; intermediates restart each pass");
    }

    [Test]
    public void NoGrad_RecordsNothing()
    {
        using var w = new Var(Device.FromArray([1f, 2f], 2), requiresGrad: true);
        Var loss;
        using (Tape.NoGrad())
        {
            Assert.That(Tape.IsRecording, Is.False);
            loss = w.Square().Sum();
        }
        Assert.That(Tape.IsRecording, Is.True);
        using (loss)
        {
            Assert.That(loss.RequiresGrad, Is.False);
            Assert.That(loss.Value.ToArray(), Is.EqualTo(new[] { 5f }));
            Assert.Throws<InvalidOperationException>(loss.Backward);
        }
        Assert.That(w.Grad, Is.Null);
    }

    [Test]
    public void TapeGrad_GivesInputGradient_WithoutTouchingParameters()
    {
        using var w = new Var(Device.FromArray([2f, -1f], 2), requiresGrad: true);
        using var x = new Var(Device.FromArray([3f, 4f], 2), requiresGrad: true);
        using Var loss = (w * x.Square()).Sum();
        using Tensor dx = Tape.Grad(loss, x);
        Assert.That(dx.ToArray(), Is.EqualTo(new[] { 12f, -8f }));
        Assert.That(w.Grad, Is.Null);
        Assert.That(x.Grad, Is.Null);
        using var unrelated = new Var(Device.Zeros(2), requiresGrad: true);
        Assert.Throws<ArgumentException>(() => Tape.Grad(loss, unrelated));
    }

    [Test]
    public void Backward_OnNonScalarOrDisposedVar_Throws()
    {
        using var w = new Var(Device.FromArray([1f, 2f], 2), requiresGrad: true);
        using Var y = w.Square();
        var e = Assert.Throws<InvalidOperationException>(y.Backward)!;
        Assert.That(e.Message, Does.Contain("scalar").And.Contain("(2,)"));

        Var loss = y.Sum();
        loss.Dispose();
        Assert.Throws<ObjectDisposedException>(loss.Backward);
    }

    [Test]
    public void DisposingAResult_FreesIntermediates_ButNotLeaves()
    {
        using var w = new Var(Device.FromArray([1f, 2f], 2), requiresGrad: true);
        Var h = w.Exp();
        Var loss = h.Sum();
        loss.Dispose();
        Assert.That(h.IsDisposed, Is.True);
        Assert.That(w.IsDisposed, Is.False);
        Assert.That(w.Value.ToArray(), Is.EqualTo(new[] { 1f, 2f }));
    }

    [Test]
    public void ShapeMismatches_NameBothShapes_BeforeAnyLaunch()
    {
        using var a = new Var(Device.Zeros(2, 3));
        using var b = new Var(Device.Zeros(3, 2));
        using var bias = new Var(Device.Zeros(2));
        Assert.That(Assert.Throws<ArgumentException>(() => _ = a + b)!.Message, Does.Contain("(2, 3)").And.Contain("(3, 2)"));
        Assert.That(Assert.Throws<ArgumentException>(() => _ = a * b)!.Message, Does.Contain("(2, 3)").And.Contain("(3, 2)"));
        Assert.That(Assert.Throws<ArgumentException>(() => a.MatMul(a))!.Message, Does.Contain("(2, 3) x (2, 3)"));
        Assert.That(Assert.Throws<ArgumentException>(() => a.MatMulTransposed(b))!.Message, Does.Contain("(2, 3) x (3, 2)"));
        Assert.That(Assert.Throws<ArgumentException>(() => a.AddBias(bias))!.Message, Does.Contain("(2, 3) + (2,)"));
        Assert.Throws<ArgumentException>(() => a.Reshape(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = a / 0f);
    }

    [Test]
    public void Sum_OfManyElements_IsDeterministicAndAccurate()
    {
        const int n = 300_001;
        using Tensor t = Device.Randn([n], seed: 3);
        using var x = new Var(t.Clone());
        using Var s1 = x.Sum(), s2 = x.Sum();
        float[] host = t.ToArray();
        double expected = host.Sum(v => (double)v), sumAbs = host.Sum(v => Math.Abs((double)v));
        // Blocked float32 summation: the error is a small multiple of eps * sum |x|; 1e-6 sum |x| is ~17 eps.
        Assert.That(s1.Value.ToArray()[0], Is.EqualTo(expected).Within(1e-6 * sumAbs));
        Assert.That(BitConverter.SingleToInt32Bits(s2.Value.ToArray()[0]), Is.EqualTo(BitConverter.SingleToInt32Bits(s1.Value.ToArray()[0])));
    }

    [Test]
    public void Dispose_OfAVeryDeepGraph_FreesItWithoutRecursion()
    {
        int before = Device.LiveTensors;
        using var a = new Var(Device.Full(1f, 1), requiresGrad: true);
        Var h = a;
        for (int i = 0; i < 100_000; i++) h = h * 1f;
        h.Dispose(); // recursed once per op before: a stack overflow at this depth
        Assert.That(h.IsDisposed, Is.True);
        Assert.That(Device.LiveTensors, Is.EqualTo(before + 1), "only the leaf is left");
    }

    [Test]
    public void Sequential_WhoseLinearWidthsDoNotChain_IsRejected()
    {
        foreach (int inFeatures in new[] { 4, 16 })
        {
            var first = new Linear(Device, 2, 8);
            var activation = new ActivationLayer(Device, Activation.ReLU);
            var second = new Linear(Device, inFeatures, 1);
            var e = Assert.Throws<ArgumentException>(() => new Sequential(first, activation, second))!;
            Assert.That(e.ParamName, Is.EqualTo("layers"));
            Assert.That(e.Message, Does.Contain($"layers[2] takes {inFeatures} features but layers[0] gives 8"));
            first.Dispose();
            second.Dispose();
        }
    }

    [Test]
    public void ActivationLayer_WithAnUndefinedActivation_IsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ActivationLayer(Device, (Activation)99));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MLP(Device, 2, [4], 1, (Activation)99).Dispose());
    }

    /// <summary>A NoGrad closed before the EnableGrad opened inside it leaves recording as if each scope had never been.</summary>
    [Test]
    public void Scopes_DisposedOutOfOrder_LeaveRecordingOn()
    {
        IDisposable noGrad = Tape.NoGrad();
        IDisposable enableGrad = Tape.EnableGrad();
        noGrad.Dispose();
        Assert.That(Tape.IsRecording, Is.True, "the EnableGrad scope is still open");
        enableGrad.Dispose();
        Assert.That(Tape.IsRecording, Is.True, "every scope is closed");
    }

    /// <summary>Of two NoGrad scopes closed out of order, recording resumes once the last one is closed.</summary>
    [Test]
    public void NoGradScopes_DisposedOutOfOrder_RecordOnlyWhenBothAreClosed()
    {
        IDisposable outer = Tape.NoGrad(), inner = Tape.NoGrad();
        outer.Dispose();
        Assert.That(Tape.IsRecording, Is.False, "the inner scope is still open");
        outer.Dispose();
        Assert.That(Tape.IsRecording, Is.False, "disposing a scope twice closes it once");
        inner.Dispose();
        Assert.That(Tape.IsRecording, Is.True);
    }

    /// <summary>A scope disposed on another thread closes on the thread that opened it and leaves the other thread alone.</summary>
    [Test]
    public void Scope_DisposedOnAnotherThread_ClosesOnItsOwnThread()
    {
        IDisposable noGrad = Tape.NoGrad();
        bool otherRecordsAfter = false;
        var other = new Thread(() =>
        {
            noGrad.Dispose();
            otherRecordsAfter = Tape.IsRecording;
        });
        other.Start();
        other.Join();
        Assert.That(Tape.IsRecording, Is.True, "the opening thread records again");
        Assert.That(otherRecordsAfter, Is.True, "the disposing thread was never in a scope");
    }
}

using TorchEbm.Numerics;

namespace TorchEbm.Reductions;

/// <summary>
/// log sum exp and its derivative, written once over any numeric type: the tape's kernels run them over <see cref="Real"/>,
/// the traced interpreter over <see cref="Real"/> in the chain kernel and <see cref="Real8"/> in the CPU lane twin.
/// </summary>
public static class LogSumExps
{
    /// <summary>
    /// log(exp(t[0]) + ... + exp(t[count - 1])), shifted by the maximum so it neither overflows nor underflows; an infinite
    /// maximum is the result (all terms -inf, or one +inf). The terms may be a ref struct (the host compiler's terms over a
    /// span).
    /// </summary>
    public static T Of<T, TMask, TTerms>(in TTerms terms, int count)
        where T : struct, IReal<T, TMask> where TMask : struct where TTerms : struct, ITerms<T>, allows ref struct
    {
        T max = T.From(float.NegativeInfinity);
        for (int k = 0; k < count; k++) max = T.Max(max, terms[k]);
        T sum = T.From(0f);
        for (int k = 0; k < count; k++) sum += T.Exp(terms[k] - max);
        return T.Select(T.Equal(T.Abs(max), T.From(float.PositiveInfinity)), max, max + T.Log(sum));
    }

    /// <summary>d lse / d t: the softmax weight exp(t - lse) of a term t.</summary>
    public static T Softmax<T, TMask>(T term, T logSumExp) where T : struct, IReal<T, TMask> where TMask : struct =>
        T.Exp(term - logSumExp);
}

using ILGPU;
using ILGPU.Algorithms;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// The mass matrix M of Hamiltonian samplers, held as its inverse M^-1 (Stan's "metric"): diagonal (length d), or dense
/// (d x d, row-major) with the lower Cholesky factor L of M^-1 (L L^T = M^-1). Momenta p ~ N(0, M); the kinetic energy
/// is p^T M^-1 p / 2 and positions move along the velocity M^-1 p. Every transition that integrates Hamilton's equations
/// goes through these few methods, so the choice of metric lives here only.
/// </summary>
/// <remarks>A dense metric costs O(d^2) per drift and per kinetic energy; the diagonal one's arithmetic is exactly the
/// diagonal HMC's (same operations in the same order), which its host twin repeats bit for bit.</remarks>
/// <param name="inverse">M^-1: its diagonal (d), or the whole matrix (d * d) when <paramref name="dense"/> is 1.</param>
/// <param name="factor">Dense only: the lower Cholesky factor of M^-1 (d * d, row-major); ignored when diagonal.</param>
/// <param name="dense">1 for a dense metric, 0 for a diagonal one (an int: ILGPU rejects bool kernel parameters).</param>
public readonly struct Metric(ArrayView<float> inverse, ArrayView<float> factor, int dense)
{
    /// <summary>M^-1: diagonal (d) or dense (d * d).</summary>
    public readonly ArrayView<float> Inverse = inverse;

    /// <summary>Dense only: lower Cholesky factor of M^-1 (d * d).</summary>
    public readonly ArrayView<float> Factor = factor;

    /// <summary>1 when dense.</summary>
    public readonly int Dense = dense;

    /// <summary>A diagonal metric with M^-1 = diag(<paramref name="inverseDiagonal"/>).</summary>
    public static Metric Diagonal(ArrayView<float> inverseDiagonal) => new(inverseDiagonal, inverseDiagonal, 0);

    /// <summary>
    /// Draws p ~ N(0, M) into <paramref name="p"/> (length d) from the normals of Philox blocks (chain, step, j / 4, call)
    /// and returns p^T M^-1 p (twice the kinetic energy). Diagonal: p_i = z_i / sqrt(M^-1_ii). Dense: L^T p = z solved
    /// backwards, so Cov(p) = L^-T L^-1 = M.
    /// </summary>
    public float DrawMomentum(ArrayView<float> p, Philox4x32 rng, uint chain, uint step, uint call, int d)
    {
        for (int j = 0; j < d; j += 4)
        {
            Float4 z = ChainState.Normals(rng, chain, step, j, d, call);
            p[j] = z.X;
            if (j + 1 < d) p[j + 1] = z.Y;
            if (j + 2 < d) p[j + 2] = z.Z;
            if (j + 3 < d) p[j + 3] = z.W;
        }
        if (Dense == 0)
        {
            float twiceKinetic = 0f;
            for (int i = 0; i < d; i++)
            {
                float inverse = Inverse[i];
                p[i] = p[i] / XMath.Sqrt(inverse);
                twiceKinetic += p[i] * p[i] * inverse;
            }
            return twiceKinetic;
        }
        for (int i = d - 1; i >= 0; i--)
        {
            float sum = p[i];
            for (int k = i + 1; k < d; k++) sum -= Factor[k * d + i] * p[k];
            p[i] = sum / Factor[i * d + i];
        }
        return TwiceKinetic(p, d);
    }

    /// <summary>Component i of the velocity M^-1 p.</summary>
    public float Velocity(ArrayView<float> p, int i, int d)
    {
        if (Dense == 0) return Inverse[i] * p[i];
        float sum = 0f;
        for (int j = 0; j < d; j++) sum += Inverse[i * d + j] * p[j];
        return sum;
    }

    /// <summary>p^T M^-1 p: twice the kinetic energy.</summary>
    public float TwiceKinetic(ArrayView<float> p, int d)
    {
        float sum = 0f;
        if (Dense == 0)
        {
            for (int i = 0; i < d; i++) sum += p[i] * p[i] * Inverse[i];
            return sum;
        }
        for (int i = 0; i < d; i++) sum += p[i] * Velocity(p, i, d);
        return sum;
    }

    /// <summary>The drift x += eps M^-1 p (diagonal: eps * M^-1_ii * p_i, in that order).</summary>
    public void Drift(ArrayView<float> x, ArrayView<float> p, float eps, int d)
    {
        if (Dense == 0)
        {
            for (int i = 0; i < d; i++) x[i] += eps * Inverse[i] * p[i];
            return;
        }
        for (int i = 0; i < d; i++) x[i] += eps * Velocity(p, i, d);
    }
}

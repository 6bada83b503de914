using TorchEbm.Kernels.Random;
using TorchEbm.Kernels.Samplers;

namespace TorchEbm.Tests.Support;

/// <summary>
/// One NUTS transition in float64, written from Betancourt 2017 (arXiv 1701.02434, appendix A) in Stan's recursive form
/// (base_nuts.hpp's transition and build_tree): trajectory doubled in a random direction; a subtree is valid when no leaf
/// diverges (H - H0 &gt; 1000) and the generalised criterion holds across it and across each half extended by the other
/// half's neighbouring leaf; biased progressive sampling when a subtree joins the trajectory; the top-level checks across
/// the merged trajectory. Independent of the kernel's iterative code and checkpoints, so the two can be compared.
/// </summary>
/// <remarks>
/// Within a subtree the draw is sampled uniformly by weight as each leaf arrives (replace with probability
/// w_leaf / w_so_far), which is Stan's uniform sampling within subtrees in its progressive form (Stan samples at each merge
/// instead: the same law); the kernel uses this form, so fed the same uniforms both make the same choices. Random numbers
/// are the kernel's Philox draws, recomputed here through the host API: momentum normals from blocks (chain, step, j / 4,
/// call), leaf k's uniforms from block (chain, step, AcceptWord - 1 - k, call) (X: within the subtree, Y: direction of a
/// doubling it starts, Z: the merge of a doubling it ends).
/// <para><see cref="Margin"/> records how close any decision came to its threshold (a uniform to its probability, a
/// criterion's normalised dot product to 0), so a test can tell float32 rounding from a wrong decision.</para>
/// </remarks>
public sealed class ReferenceNuts(Func<double[], double> energy, Func<double[], double[]> gradient, double[] inverseMass,
    double stepSize, int maxTreeDepth)
{
    private int _dim;
    private double _h0, _subtreeLogWeight;
    private double[] _x = [], _p = [], _g = [], _proposal = [];
    private Func<int, Float4> _uniforms = _ => default;

    /// <summary>The draw.</summary>
    public double[] Draw { get; private set; } = [];

    /// <summary>Doublings merged into the trajectory.</summary>
    public int TreeDepth { get; private set; }

    /// <summary>Leapfrog steps taken (those of a rejected subtree included).</summary>
    public int Leapfrogs { get; private set; }

    /// <summary>Whether a leaf diverged.</summary>
    public bool Divergent { get; private set; }

    /// <summary>Mean over the leaves of min(1, exp(H0 - H)).</summary>
    public double AcceptStat => _metropolisSum / Leapfrogs;

    /// <summary>The Hamiltonian at the start.</summary>
    public double StartHamiltonian => _h0;

    /// <summary>Smallest distance of any decision from its threshold (see remarks).</summary>
    public double Margin { get; private set; }

    private double _metropolisSum;

    /// <summary>One transition of chain <paramref name="chain"/> at global step <paramref name="step"/>, call <paramref name="call"/>.</summary>
    public void Run(double[] x0, Philox4x32 rng, uint chain, uint step, uint call)
    {
        _dim = x0.Length;
        _uniforms = k => rng.Uniform4(chain, step, ChainState.AcceptWord - 1u - (uint)k, call);
        Margin = double.PositiveInfinity;
        Leapfrogs = 0;
        TreeDepth = 0;
        Divergent = false;
        _metropolisSum = 0;

        var p0 = new double[_dim];
        for (int j = 0; j < _dim; j += 4)
        {
            Float4 z = j + 2 < _dim ? rng.Normal4(chain, step, (uint)(j >> 2), call) : rng.Normal2(chain, step, (uint)(j >> 2), call);
            float[] zs = [z.X, z.Y, z.Z, z.W];
            for (int i = j; i < Math.Min(j + 4, _dim); i++) p0[i] = zs[i - j] / Math.Sqrt(inverseMass[i]);
        }
        _h0 = energy(x0) + Kinetic(p0);
        double[] g0 = gradient(x0);
        (double[] X, double[] P, double[] G) backward = (x0, p0, g0), forward = (x0, p0, g0);
        double[] rho = (double[])p0.Clone();
        double logWeight = 0;
        Draw = (double[])x0.Clone();
        while (TreeDepth < maxTreeDepth)
        {
            Float4 first = _uniforms(Leapfrogs);
            Near(first.Y, 0.5);
            int direction = first.Y > 0.5f ? 1 : -1;
            (_x, _p, _g) = Copy(direction > 0 ? forward : backward);
            _subtreeLogWeight = double.NegativeInfinity;
            (bool valid, double[] rhoSubtree, double[] pBegin, double[] pEnd) = BuildTree(TreeDepth, direction);
            if (!valid) break;
            TreeDepth++;
            double uniform = _uniforms(Leapfrogs - 1).Z, probability = Math.Min(1, Math.Exp(_subtreeLogWeight - logWeight));
            Near(uniform, probability);
            if (uniform < probability) Draw = (double[])_proposal.Clone();
            logWeight = LogAddExp(logWeight, _subtreeLogWeight);

            double[] pNear = direction > 0 ? forward.P : backward.P, pFar = direction > 0 ? backward.P : forward.P;
            bool persist = Criterion(pFar, pEnd, Add(rho, rhoSubtree))
                           & Criterion(pFar, pBegin, Add(rho, pBegin))
                           & Criterion(pNear, pEnd, Add(rhoSubtree, pNear));
            rho = Add(rho, rhoSubtree);
            if (direction > 0) forward = Copy((_x, _p, _g));
            else backward = Copy((_x, _p, _g));
            if (!persist) break;
        }
    }

    /// <summary>Stan's build_tree: a subtree of 2^depth leaves; returns its validity, momentum sum and end momenta.</summary>
    private (bool Valid, double[] Rho, double[] PBegin, double[] PEnd) BuildTree(int depth, int direction)
    {
        if (depth == 0) return Leaf(direction);
        (bool validInit, double[] rhoInit, double[] pBegin, double[] pInitEnd) = BuildTree(depth - 1, direction);
        if (!validInit) return (false, [], [], []);
        (bool validFinal, double[] rhoFinal, double[] pFinalBegin, double[] pEnd) = BuildTree(depth - 1, direction);
        if (!validFinal) return (false, [], [], []);
        double[] rho = Add(rhoInit, rhoFinal);
        bool persist = Criterion(pBegin, pEnd, rho)
                       & Criterion(pBegin, pFinalBegin, Add(rhoInit, pFinalBegin))
                       & Criterion(pInitEnd, pEnd, Add(rhoFinal, pInitEnd));
        return (persist, rho, pBegin, pEnd);
    }

    /// <summary>One leapfrog step in <paramref name="direction"/>, its weight, and the progressive sampling within the subtree.</summary>
    private (bool, double[], double[], double[]) Leaf(int direction)
    {
        double h = direction * stepSize;
        for (int i = 0; i < _dim; i++) _p[i] -= 0.5 * h * _g[i];
        for (int i = 0; i < _dim; i++) _x[i] += h * inverseMass[i] * _p[i];
        _g = gradient(_x);
        for (int i = 0; i < _dim; i++) _p[i] -= 0.5 * h * _g[i];
        int leaf = Leapfrogs++;
        double hamiltonian = energy(_x) + Kinetic(_p);
        if (double.IsNaN(hamiltonian)) hamiltonian = double.PositiveInfinity;
        Near(hamiltonian - _h0, ChainState.MaxEnergyError);
        if (hamiltonian - _h0 > ChainState.MaxEnergyError)
        {
            Divergent = true;
            return (false, [], [], []);
        }
        double logWeight = _h0 - hamiltonian;
        _metropolisSum += Math.Min(1, Math.Exp(logWeight));
        _subtreeLogWeight = LogAddExp(_subtreeLogWeight, logWeight);
        double uniform = _uniforms(leaf).X, probability = Math.Exp(logWeight - _subtreeLogWeight);
        if (probability < 1) Near(uniform, probability); // 1 for a subtree's first leaf: taken whatever the uniform
        if (uniform < probability) _proposal = (double[])_x.Clone();
        return (true, (double[])_p.Clone(), (double[])_p.Clone(), (double[])_p.Clone());
    }

    /// <summary>Stan's compute_criterion: p_sharp_minus . rho &gt; 0 and p_sharp_plus . rho &gt; 0 (p_sharp = M^-1 p).</summary>
    private bool Criterion(double[] pMinus, double[] pPlus, double[] rho)
    {
        double minus = SharpDot(pMinus, rho), plus = SharpDot(pPlus, rho);
        Margin = Math.Min(Margin, Math.Abs(minus) / (Norm(pMinus) * Norm(rho) + 1e-300));
        Margin = Math.Min(Margin, Math.Abs(plus) / (Norm(pPlus) * Norm(rho) + 1e-300));
        return minus > 0 && plus > 0;
    }

    private void Near(double value, double threshold) => Margin = Math.Min(Margin, Math.Abs(value - threshold));

    private double SharpDot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < _dim; i++) sum += a[i] * inverseMass[i] * b[i];
        return sum;
    }

    private double Norm(double[] a) => Math.Sqrt(SharpDot(a, a));

    private double Kinetic(double[] p) => 0.5 * SharpDot(p, p);

    private static double[] Add(double[] a, double[] b) => a.Zip(b, (u, v) => u + v).ToArray();

    private static (double[], double[], double[]) Copy((double[] X, double[] P, double[] G) s) =>
        ((double[])s.X.Clone(), (double[])s.P.Clone(), (double[])s.G.Clone());

    private static double LogAddExp(double a, double b)
    {
        double max = Math.Max(a, b);
        return double.IsNegativeInfinity(max) ? max : max + Math.Log(Math.Exp(a - max) + Math.Exp(b - max));
    }
}

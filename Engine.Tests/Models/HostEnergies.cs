namespace TorchEbm.Tests.Models;

/// <summary>The analytic energies of TORCHEBM.md, in float64 on the host: the references the kernels are checked against.</summary>
public static class HostEnergies
{
    public static double DoubleWell(double[] x, double a, double b) => a * x.Sum(v => (v * v - b) * (v * v - b));

    public static double Harmonic(double[] x, double k) => 0.5 * k * x.Sum(v => v * v);

    public static double Rosenbrock(double[] x, double a, double b)
    {
        double sum = 0;
        for (int i = 0; i + 1 < x.Length; i++)
            sum += (a - x[i]) * (a - x[i]) + b * Math.Pow(x[i + 1] - x[i] * x[i], 2);
        return sum;
    }

    public static double Rastrigin(double[] x, double a) => a * x.Length + x.Sum(v => v * v - a * Math.Cos(2 * Math.PI * v));

    public static double Ackley(double[] x, double a, double b, double c)
    {
        double meanSquare = x.Average(v => v * v), meanCos = x.Average(v => Math.Cos(c * v));
        return -a * Math.Exp(-b * Math.Sqrt(meanSquare)) - Math.Exp(meanCos) + a + Math.E;
    }

    public static double Gaussian(double[] x, double[] mean, double[,] precision)
    {
        int d = x.Length;
        double sum = 0;
        for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            sum += (x[i] - mean[i]) * precision[i, j] * (x[j] - mean[j]);
        return 0.5 * sum;
    }

    /// <summary>Central finite differences of <paramref name="energy"/> at <paramref name="x"/>, in float64.</summary>
    public static double[] FiniteDifferenceGradient(Func<double[], double> energy, double[] x)
    {
        var gradient = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double h = 1e-6 * Math.Max(1, Math.Abs(x[i]));
            double[] plus = (double[])x.Clone(), minus = (double[])x.Clone();
            plus[i] += h;
            minus[i] -= h;
            gradient[i] = (energy(plus) - energy(minus)) / (2 * h);
        }
        return gradient;
    }
}

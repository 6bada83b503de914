namespace TorchEbm.Integrators;

/// <summary>
/// An explicit Runge-Kutta method's coefficients: stage i is evaluated at x + h sum_{j&lt;i} A[i][j] k_j, time t + C[i] h;
/// the step is x + h sum B[i] k_i; an embedded pair's error estimate is h sum E[i] k_i (E = B - the lower-order weights).
/// </summary>
internal sealed record ButcherTableau(float[][] A, float[] B, float[] C, float[]? E = null)
{
    /// <summary>Number of stages.</summary>
    public int Stages => B.Length;

    /// <summary>The explicit Euler method, order 1.</summary>
    public static ButcherTableau Euler { get; } = new([[]], [1f], [0f]);

    /// <summary>Heun's method (explicit trapezoid), order 2.</summary>
    public static ButcherTableau Heun { get; } = new([[], [1f]], [0.5f, 0.5f], [0f, 1f]);

    /// <summary>The explicit midpoint method, order 2.</summary>
    public static ButcherTableau Midpoint { get; } = new([[], [0.5f]], [0f, 1f], [0f, 0.5f]);

    /// <summary>The classical Runge-Kutta method, order 4.</summary>
    public static ButcherTableau RungeKutta4 { get; } = new(
        [[], [0.5f], [0f, 0.5f], [0f, 0f, 1f]], [1f / 6, 1f / 3, 1f / 3, 1f / 6], [0f, 0.5f, 0.5f, 1f]);

    /// <summary>
    /// Dormand and Prince's 5(4) pair (J. Comput. Appl. Math. 6, 1980; Hairer, Norsett and Wanner, Solving ODEs I, table
    /// II.5.2): seven stages, the seventh at the new point with the fifth-order weights, so it is the next step's first (FSAL).
    /// </summary>
    public static ButcherTableau DormandPrince5 { get; } = new(
        [
            [],
            [1f / 5],
            [3f / 40, 9f / 40],
            [44f / 45, -56f / 15, 32f / 9],
            [19372f / 6561, -25360f / 2187, 64448f / 6561, -212f / 729],
            [9017f / 3168, -355f / 33, 46732f / 5247, 49f / 176, -5103f / 18656],
            [35f / 384, 0f, 500f / 1113, 125f / 192, -2187f / 6784, 11f / 84],
        ],
        [35f / 384, 0f, 500f / 1113, 125f / 192, -2187f / 6784, 11f / 84, 0f],
        [0f, 1f / 5, 3f / 10, 4f / 5, 8f / 9, 1f, 1f],
        [
            (float)(35.0 / 384 - 5179.0 / 57600), 0f, (float)(500.0 / 1113 - 7571.0 / 16695), (float)(125.0 / 192 - 393.0 / 640),
            (float)(-2187.0 / 6784 + 92097.0 / 339200), (float)(11.0 / 84 - 187.0 / 2100), -1f / 40,
        ]);
}

using ILGPU;

namespace TorchEbm.Energies;

/// <summary>
/// E(x) = WeightA E_A(x) + WeightB E_B(x): composes two energies into one struct, so a weighted sum of analytic
/// energies (nest Sum for more parts) compiles into a single kernel specialisation.
/// </summary>
public readonly struct Sum<TA, TB>(TA a, TB b, float weightA, float weightB) : IEnergy
    where TA : struct, IEnergy
    where TB : struct, IEnergy
{
    /// <summary>The first energy.</summary>
    public readonly TA A = a;

    /// <summary>The second energy.</summary>
    public readonly TB B = b;

    /// <summary>Weight of <see cref="A"/>.</summary>
    public readonly float WeightA = weightA;

    /// <summary>Weight of <see cref="B"/>.</summary>
    public readonly float WeightB = weightB;

    /// <inheritdoc />
    public float Energy(ArrayView<float> x) => WeightA * A.Energy(x) + WeightB * B.Energy(x);

    /// <inheritdoc />
    public void AddGradient(ArrayView<float> x, ArrayView<float> gradient, float weight)
    {
        A.AddGradient(x, gradient, weight * WeightA);
        B.AddGradient(x, gradient, weight * WeightB);
    }
}

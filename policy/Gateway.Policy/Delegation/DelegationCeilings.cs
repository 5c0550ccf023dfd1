namespace Gateway.Policy;

/// <summary>
/// Data-class ceilings: the classes are ordered by sensitivity as <see cref="DataClass"/> declares them
/// (public &lt; internal &lt; confidential &lt; pii &lt; restricted &lt; top_secret); a ceiling allows its class and every one below.
/// </summary>
public static class DelegationCeilings
{
    /// <summary>Every class: a registered agent's ceiling (its documented flows and the controls still apply).</summary>
    public const DataClass Unbounded = DataClass.TopSecret;

    /// <summary>The classes at or below <paramref name="ceiling"/>.</summary>
    public static DataClassSet AtOrBelow(DataClass ceiling) => (DataClassSet)((1 << ((int)ceiling + 1)) - 1);

    /// <summary>The lower of two ATF levels.</summary>
    public static AtfLevel Lower(AtfLevel a, AtfLevel b) => a <= b ? a : b;
}

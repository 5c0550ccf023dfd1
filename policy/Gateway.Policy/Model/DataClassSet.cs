namespace Gateway.Policy;

/// <summary>A set of <see cref="DataClass"/> values as bit flags, so that widening and matching never allocate.</summary>
[Flags]
public enum DataClassSet
{
    None = 0,
    Public = 1 << DataClass.Public,
    Internal = 1 << DataClass.Internal,
    Confidential = 1 << DataClass.Confidential,
    Pii = 1 << DataClass.Pii,
    Restricted = 1 << DataClass.Restricted,
    TopSecret = 1 << DataClass.TopSecret,

    /// <summary>The regulated classes: pii, confidential, restricted and top_secret.</summary>
    Regulated = Confidential | Pii | Restricted | TopSecret,
}

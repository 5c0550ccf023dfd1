namespace Gateway.Policy.Tokens;

/// <summary>What <see cref="MacToken.TryRead"/> found.</summary>
public enum MacTokenCheck
{
    /// <summary>Well formed and signed with the key: its claims are decoded.</summary>
    Valid,

    /// <summary>Not a token of this format and version (shape, encoding, length).</summary>
    Malformed,

    /// <summary>Well formed, but not signed with the key.</summary>
    SignatureInvalid,
}

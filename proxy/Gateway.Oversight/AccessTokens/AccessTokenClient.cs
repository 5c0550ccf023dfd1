namespace Gateway.Oversight.AccessTokens;

/// <summary>
/// A registered agent as the token endpoint sees it: whether it can be a client at all, and a MAC check under its
/// runtime secret (the secret itself stays with the host).
/// </summary>
public sealed class AccessTokenClient
{
    private readonly Func<byte[], byte[], bool>? _verifyMac;

    private AccessTokenClient(AccessTokenClientStatus status, Func<byte[], byte[], bool>? verifyMac)
    {
        Status = status;
        _verifyMac = verifyMac;
    }

    public AccessTokenClientStatus Status { get; }

    /// <summary>A registered agent; <paramref name="verifyMac"/> says (in constant time) whether a MAC over the input is its secret's.</summary>
    public static AccessTokenClient Found(Func<byte[], byte[], bool> verifyMac) => new(AccessTokenClientStatus.Found, verifyMac);

    public static AccessTokenClient Unknown(AccessTokenClientStatus status) => new(status, null);

    /// <summary>True when <paramref name="assertion"/> is HS256 under the agent's runtime secret.</summary>
    public bool Signed(CompactJws assertion) => _verifyMac is not null && assertion.VerifyHs256(_verifyMac);
}

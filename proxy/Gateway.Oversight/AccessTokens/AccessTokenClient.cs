namespace Gateway.Oversight.AccessTokens;

/// <summary>
/// A registered agent as the token endpoint sees it: whether it can be a client at all, and a MAC check under its
/// runtime secret (the secret itself stays with the host; during a rotation, either of its two secrets).
/// </summary>
public sealed class AccessTokenClient
{
    private readonly Func<byte[], byte[], string?>? _macSigner;

    private AccessTokenClient(AccessTokenClientStatus status, Func<byte[], byte[], string?>? macSigner)
    {
        Status = status;
        _macSigner = macSigner;
    }

    public AccessTokenClientStatus Status { get; }

    /// <summary>
    /// A registered agent; <paramref name="macSigner"/> says (comparing in constant time) which of its secrets a MAC over
    /// the input is under: that secret's fingerprint, or null for none.
    /// </summary>
    public static AccessTokenClient Found(Func<byte[], byte[], string?> macSigner) => new(AccessTokenClientStatus.Found, macSigner);

    public static AccessTokenClient Unknown(AccessTokenClientStatus status) => new(status, null);

    /// <summary>The fingerprint of the agent's secret <paramref name="assertion"/> is HS256 under; null when it is under none.</summary>
    public string? SignedBy(CompactJws assertion)
    {
        if (_macSigner is null)
        {
            return null;
        }

        string? signer = null;
        return assertion.VerifyHs256((input, mac) => (signer = _macSigner(input, mac)) is not null) ? signer : null;
    }
}

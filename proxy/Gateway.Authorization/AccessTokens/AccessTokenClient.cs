using Gateway.Policy.Tokens;

namespace Gateway.Authorization.AccessTokens;

/// <summary>
/// A registered agent as the token endpoint sees it: whether it can be a client at all, and a check of an assertion's
/// signature: a MAC under its runtime secret, or, for an agent registered with a public key, a signature under that key
/// (the secret or key stays with the host; during a rotation, either of its two).
/// </summary>
public sealed class AccessTokenClient
{
    private readonly Func<byte[], byte[], string?>? _macSigner;
    private readonly Func<string, string?, byte[], byte[], string?>? _keySigner;

    private AccessTokenClient(AccessTokenClientStatus status, Func<byte[], byte[], string?>? macSigner, Func<string, string?, byte[], byte[], string?>? keySigner)
    {
        Status = status;
        _macSigner = macSigner;
        _keySigner = keySigner;
    }

    public AccessTokenClientStatus Status { get; }

    /// <summary>True for an agent registered with a public key: its assertions are <c>private_key_jwt</c>, never HS256.</summary>
    public bool SignsWithKey => _keySigner is not null;

    /// <summary>
    /// A registered agent; <paramref name="macSigner"/> says (comparing in constant time) which of its secrets a MAC over
    /// the input is under: that secret's fingerprint, or null for none.
    /// </summary>
    public static AccessTokenClient Found(Func<byte[], byte[], string?> macSigner) => new(AccessTokenClientStatus.Found, macSigner, null);

    /// <summary>
    /// A registered agent signing with a public key; <paramref name="keySigner"/> says which of its keys (given the JWS
    /// <c>alg</c>, the <c>kid</c> when one is sent, the signing input and the signature) signed: that key's fingerprint, or
    /// null for none.
    /// </summary>
    public static AccessTokenClient FoundWithKey(Func<string, string?, byte[], byte[], string?> keySigner) => new(AccessTokenClientStatus.Found, null, keySigner);

    public static AccessTokenClient Unknown(AccessTokenClientStatus status) => new(status, null, null);

    /// <summary>
    /// The fingerprint of the agent's secret <paramref name="assertion"/> is HS256 under, or of its key the assertion is
    /// signed with (EdDSA or ES256); null when it is under none.
    /// </summary>
    public string? SignedBy(CompactJws assertion)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        string? signer = null;
        if (_keySigner is not null)
        {
            var keyId = assertion.HeaderString("kid");
            return assertion.VerifyWith((algorithm, input, signature) => (signer = _keySigner(algorithm, keyId, input, signature)) is not null) ? signer : null;
        }

        return _macSigner is not null && assertion.VerifyHs256((input, mac) => (signer = _macSigner(input, mac)) is not null) ? signer : null;
    }
}

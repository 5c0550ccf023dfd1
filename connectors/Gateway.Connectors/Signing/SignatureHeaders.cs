namespace Gateway.Connectors.Signing;

/// <summary>The header names of the agent protocol's signed requests.</summary>
public static class SignatureHeaders
{
    public const string Tenant = "X-Gamut-Tenant";
    public const string Workspace = "X-Gamut-Workspace";
    public const string Agent = "X-Gamut-Agent";
    public const string Timestamp = "X-Gamut-Timestamp";
    public const string Nonce = "X-Gamut-Nonce";
    public const string Signature = "X-Gamut-Signature";
    public const string DecisionToken = "X-Gamut-Decision-Token";

    /// <summary>
    /// The identity token (a JWT from the tenant's OpenID provider) of the person the agent acts for. Optional; when sent,
    /// the signature covers it through a tenth canonical line (<see cref="CanonicalRequest.HashPersonToken"/>).
    /// </summary>
    public const string Person = "X-Gamut-Person";

    /// <summary>
    /// The run (<c>run-</c> + 32 hex, minted by <c>POST /v1/runs</c>) a governed request belongs to. Optional; when sent,
    /// the signature covers it: the canonical string's last line (after the person's), or the RFC 9421 component
    /// <c>x-gamut-run</c>.
    /// </summary>
    public const string Run = "X-Gamut-Run";

    /// <summary>RFC 9421's signature input: its presence selects the asymmetric profile (an agent registered with a public key) over <see cref="Signature"/>.</summary>
    public const string SignatureInput = "Signature-Input";

    /// <summary>RFC 9421's signature, beside <see cref="SignatureInput"/>.</summary>
    public const string MessageSignature = "Signature";

    /// <summary>RFC 9530's digest of the body, covered by an RFC 9421 signature.</summary>
    public const string ContentDigest = "Content-Digest";

    /// <summary>The agent line used when the gateway itself signs a call to an executor or webhook.</summary>
    public const string GatewayAgent = "gateway";

    /// <summary>Every header an agent uses to sign; none of them is forwarded upstream.</summary>
    public static IReadOnlyList<string> All { get; } = [Tenant, Workspace, Agent, Timestamp, Nonce, Signature];
}

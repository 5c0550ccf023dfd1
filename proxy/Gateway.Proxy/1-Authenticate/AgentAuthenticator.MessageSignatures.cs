using Gateway.Authorization.AccessTokens;
using Gateway.Oversight;
using Gateway.Proxy.Security;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The RFC 9421 half of the Authenticate stage: a request carrying <c>Signature-Input</c> is signed with the agent's registered
/// public key instead of its secret. The checks are the signed request's, in the same order (cheapest first, no store):
/// the parsed signature (<see cref="MessageSignature"/>), <c>created</c> within the clock skew, the agent, the key its
/// <c>keyid</c> names (the current or, during a rotation, the next), then the body read once, its
/// <c>Content-Digest</c> and the signature over the base. The record is the same <see cref="AuthenticatedRequest"/>: the
/// nonce, the kill switches (the key retired by its fingerprint) and every later control apply unchanged.
/// </summary>
internal sealed partial class AgentAuthenticator
{
    /// <summary>Why <c>created</c> (or <c>expires</c>) is out of the gateway's window; null when it is within it.</summary>
    private string? StaleMessageSignature(MessageSignature signature)
    {
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (Math.Abs(nowMs - (signature.Created * 1000)) > (long)_gateway.Authentication.MaxClockSkew.TotalMilliseconds)
        {
            return "The signature's created time is too far from the gateway's clock.";
        }

        return signature.Expires is { } expires && nowMs > expires * 1000 ? "The signature has expired." : null;
    }

    /// <summary>Why the agent may not sign this way (a secret's agent with RFC 9421, a key's with v1 HMAC); null when it may.</summary>
    private static string? SchemeMismatch(AgentLookup lookup, bool hmac, bool messageSignature) =>
        messageSignature && lookup.Key is null
            ? "This agent is registered with a runtime secret: sign with X-Gamut-Signature (v1 HMAC), not an RFC 9421 signature."
            : hmac && lookup.Key is not null
                ? "This agent is registered with a public key: sign with an RFC 9421 signature (Signature-Input, Signature), not X-Gamut-Signature."
                : null;

    /// <summary>The agent's key the signature's <c>keyid</c> names, and its slot; a refusal when it names none or another algorithm.</summary>
    private static bool TrySelectKey(AgentLookup lookup, MessageSignature signature, out (AgentKey Key, SecretSlot Slot) selected, out string code, out string detail)
    {
        selected = lookup.Key!.KeyId == signature.KeyId ? (lookup.Key, SecretSlot.Current)
            : lookup.NextKey is { } next && next.KeyId == signature.KeyId ? (next, SecretSlot.Next)
            : default;
        if (selected.Key is null)
        {
            code = ProblemCodes.UnknownKeyId;
            detail = "The signature's keyid names no key the agent may sign with now.";
            return false;
        }

        if (selected.Key.AlgorithmName != signature.Algorithm)
        {
            code = ProblemCodes.KeyAlgorithmMismatch;
            detail = $"The key '{selected.Key.KeyId}' signs with {selected.Key.AlgorithmName}, not {signature.Algorithm}.";
            return false;
        }

        code = string.Empty;
        detail = string.Empty;
        return true;
    }

    /// <summary>
    /// Checks the body's digest, then the signature over the base (with the person's token when it covers it); the
    /// refusal's code and detail, or null when both hold.
    /// </summary>
    private static (string Code, string Detail)? VerifyMessageSignature(HttpContext context, MessageSignature signature, AgentKey key, string target, byte[] body, string? personToken)
    {
        if (!ContentDigest.Matches(signature.ContentDigest, body, out var code, out var detail))
        {
            return (code, detail);
        }

        var signatureBase = MessageSignatureBase.Build(signature, context.Request.Method, TargetUri(context, target), personToken);
        return key.Verify(signatureBase, signature.Signature)
            ? null
            : (ProblemCodes.SignatureMismatch, "The signature does not match the request.");
    }

    /// <summary>
    /// <c>@target-uri</c>: the gateway's <see cref="PublicOrigin"/> (<c>Gateway:AccessTokens:PublicBaseUrl</c>; in
    /// Development without it, a listed or listening host, never any <c>Host</c> received) followed by the request target's
    /// path and query exactly as sent. Without the service the signature cannot match: it fails closed.
    /// </summary>
    private static string TargetUri(HttpContext context, string target)
    {
        var origin = context.RequestServices.GetService<PublicOrigin>()?.For(context.Request) ?? "unconfigured:";
        return origin + PathAndQuery(target);
    }

    /// <summary>
    /// The path and query of a request target as sent: an absolute-form target (<c>POST https://host/path HTTP/1.1</c>, RFC
    /// 9112 §3.2.2) counts by them alone, so that the origin signed over is always the gateway's own and a request signed
    /// for another gateway never verifies here; any other form that does not start with <c>/</c> is kept whole (it
    /// matches no target an agent signs).
    /// </summary>
    private static string PathAndQuery(string target)
    {
        var scheme = target.IndexOf("://", StringComparison.Ordinal);
        if (target.StartsWith('/') || scheme < 0)
        {
            return target;
        }

        var authority = target.AsSpan(scheme + 3);
        var end = authority.IndexOfAny('/', '?');
        return end < 0 ? "/" : authority[end] == '?' ? "/" + authority[end..].ToString() : authority[end..].ToString();
    }
}

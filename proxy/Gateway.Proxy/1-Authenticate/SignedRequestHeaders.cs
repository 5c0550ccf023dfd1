using System.Globalization;
using Gateway.Connectors.Signing;
using Gateway.Oversight;
using Microsoft.Extensions.Primitives;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The six signature headers of one request, parsed strictly: each present exactly once, ASCII only,
/// within the protocol's alphabets and lengths. Anything else is <c>missing_header</c> or
/// <c>malformed_header</c>; nothing here touches a secret or the store.
/// </summary>
internal readonly record struct SignedRequestHeaders(
    string Tenant,
    string Workspace,
    string Agent,
    long Timestamp,
    string TimestampText,
    string Nonce,
    string Signature)
{
    public const int MinNonceLength = 16;
    public const int MaxNonceLength = 128;
    private const int MaxIdLength = 128;
    private const int SignatureLength = 3 + 64;

    public static bool TryParse(IHeaderDictionary headers, out SignedRequestHeaders parsed, out string code, out string detail)
    {
        parsed = default;
        if (!TryParseIdentity(headers, out var tenant, out var workspace, out var agent, out code, out detail)
            || !TryGetSingle(headers, SignatureHeaders.Timestamp, out var timestamp, out code, out detail)
            || !TryGetSingle(headers, SignatureHeaders.Nonce, out var nonce, out code, out detail)
            || !TryGetSingle(headers, SignatureHeaders.Signature, out var signature, out code, out detail))
        {
            return false;
        }

        code = ProblemCodes.MalformedHeader;
        if (timestamp.Length is 0 or > 12 || !IsDigits(timestamp)
            || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            detail = $"{SignatureHeaders.Timestamp} must be Unix time in whole seconds.";
            return false;
        }

        if (!IsNonce(nonce))
        {
            detail = $"{SignatureHeaders.Nonce} must be {MinNonceLength} to {MaxNonceLength} characters of [A-Za-z0-9_-].";
            return false;
        }

        if (signature.Length != SignatureLength || !signature.StartsWith(CanonicalRequest.SignaturePrefix, StringComparison.Ordinal)
            || !IsLowerHex(signature.AsSpan(3)))
        {
            detail = $"{SignatureHeaders.Signature} must be v1= followed by 64 lowercase hex characters.";
            return false;
        }

        parsed = new SignedRequestHeaders(tenant, workspace, agent, seconds, timestamp, nonce, signature);
        code = string.Empty;
        detail = string.Empty;
        return true;
    }

    /// <summary>
    /// The tenant, workspace and agent headers, each present once and within its alphabet: the identity both the v1 HMAC
    /// scheme and the RFC 9421 profile claim.
    /// </summary>
    public static bool TryParseIdentity(IHeaderDictionary headers, out string tenant, out string workspace, out string agent, out string code, out string detail)
    {
        workspace = agent = string.Empty;
        if (!TryGetSingle(headers, SignatureHeaders.Tenant, out tenant, out code, out detail)
            || !TryGetSingle(headers, SignatureHeaders.Workspace, out workspace, out code, out detail)
            || !TryGetSingle(headers, SignatureHeaders.Agent, out agent, out code, out detail))
        {
            return false;
        }

        code = ProblemCodes.MalformedHeader;
        if (!IsTenantSlug(tenant))
        {
            detail = $"{SignatureHeaders.Tenant} must be a lowercase slug of 1 to 63 characters [a-z0-9-].";
            return false;
        }

        if (!IsIdentifier(workspace) || !IsIdentifier(agent))
        {
            detail = $"{SignatureHeaders.Workspace} and {SignatureHeaders.Agent} must be 1 to {MaxIdLength} characters of [A-Za-z0-9_.:-].";
            return false;
        }

        code = string.Empty;
        return true;
    }

    /// <summary>True when <paramref name="nonce"/> keeps the protocol's nonce rules: 16 to 128 characters of <c>[A-Za-z0-9_-]</c>.</summary>
    public static bool IsNonce(string nonce) => nonce.Length is >= MinNonceLength and <= MaxNonceLength && IsNonceAlphabet(nonce);

    /// <summary>The one value of header <paramref name="name"/>: <c>missing_header</c> when absent or empty, <c>malformed_header</c> when repeated.</summary>
    public static bool TryGetSingle(IHeaderDictionary headers, string name, out string value, out string code, out string detail)
    {
        StringValues values = headers[name];
        value = string.Empty;
        if (values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            code = ProblemCodes.MissingHeader;
            detail = $"The signed-request header {name} is missing.";
            return false;
        }

        if (values.Count > 1)
        {
            code = ProblemCodes.MalformedHeader;
            detail = $"The header {name} must appear exactly once.";
            return false;
        }

        value = values[0]!;
        code = string.Empty;
        detail = string.Empty;
        return true;
    }

    private static bool IsTenantSlug(string value)
    {
        if (value.Length is 0 or > 63 || value[0] == '-')
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsIdentifier(string value)
    {
        if (value.Length is 0 or > MaxIdLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '.' or ':' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsNonceAlphabet(string value)
    {
        foreach (var c in value)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsDigits(string value)
    {
        foreach (var c in value)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsLowerHex(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }
}

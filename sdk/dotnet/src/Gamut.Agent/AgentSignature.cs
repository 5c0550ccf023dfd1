using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Gamut.Agent;

/// <summary>The agent protocol's request signature: the nine-line canonical string and <c>v1=</c> HMAC-SHA256.</summary>
public static class AgentSignature
{
    public const string Scheme = "GAMUT-HMAC-SHA256-V1";

    /// <summary>Lowercase hex SHA-256 of the body bytes (of the empty string when there is no body).</summary>
    public static string BodySha256(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    /// <summary>The nine lines joined by <c>\n</c>, no trailing newline.</summary>
    public static string CanonicalString(string method, string target, string tenant, string workspace, string agent, string timestamp, string nonce, ReadOnlySpan<byte> body) =>
        string.Join('\n', Scheme, method.ToUpperInvariant(), target, tenant, workspace, agent, timestamp, nonce, BodySha256(body));

    /// <summary><c>v1=</c> + lowercase hex HMAC-SHA256(UTF-8 bytes of the secret, canonical string).</summary>
    public static string Sign(string secret, string canonical) =>
        "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(canonical)));

    /// <summary>A fresh nonce: 32 characters of <c>[A-Za-z0-9_-]</c> from 24 random bytes.</summary>
    public static string FreshNonce() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');

    /// <summary>Sets the six <c>X-Gamut-*</c> headers on a request whose body is <paramref name="body"/> (the exact bytes sent).</summary>
    public static void Apply(HttpRequestMessage request, GamutOptions options, ReadOnlySpan<byte> body, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        var timestamp = (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = FreshNonce();
        var canonical = CanonicalString(request.Method.Method, uri.PathAndQuery, options.Tenant, options.Workspace, options.AgentId, timestamp, nonce, body);
        Set(request, "X-Gamut-Tenant", options.Tenant);
        Set(request, "X-Gamut-Workspace", options.Workspace);
        Set(request, "X-Gamut-Agent", options.AgentId);
        Set(request, "X-Gamut-Timestamp", timestamp);
        Set(request, "X-Gamut-Nonce", nonce);
        Set(request, "X-Gamut-Signature", Sign(options.Secret, canonical));
    }

    private static void Set(HttpRequestMessage request, string name, string value)
    {
        request.Headers.Remove(name);
        request.Headers.TryAddWithoutValidation(name, value);
    }
}

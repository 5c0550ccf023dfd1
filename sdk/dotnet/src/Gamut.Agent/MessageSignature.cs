using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Gamut.Agent;

/// <summary>
/// The RFC 9421 profile of an agent registered with a public key (docs/identity.md, "Asymmetric agent keys"): a signature
/// labelled <c>sig1</c> over <see cref="Components"/>, with the parameters <c>created</c>, <c>nonce</c>, <c>keyid</c> and
/// <c>alg</c>, and the body's RFC 9530 <c>Content-Digest</c>.
/// </summary>
public static class MessageSignature
{
    /// <summary>The components every signature covers, in this order.</summary>
    public static IReadOnlyList<string> Components { get; } =
        ["@method", "@target-uri", "content-digest", "x-gamut-tenant", "x-gamut-workspace", "x-gamut-agent"];

    /// <summary>RFC 9530 <c>Content-Digest</c> of the body: <c>sha-256=:&lt;base64&gt;:</c>, and <c>, sha-512=:…:</c> when <paramref name="sha512"/>.</summary>
    public static string ContentDigest(ReadOnlySpan<byte> body, bool sha512 = false) =>
        "sha-256=:" + Convert.ToBase64String(SHA256.HashData(body)) + ":" + (sha512 ? ", sha-512=:" + Convert.ToBase64String(SHA512.HashData(body)) + ":" : string.Empty);

    /// <summary>The signature's parameters as RFC 8941 serialises them: <c>Signature-Input</c>'s value and the base's last line.</summary>
    public static string SignatureParameters(long created, string nonce, string keyId, string algorithm) =>
        "(" + string.Join(' ', Components.Select(c => "\"" + c + "\"")) + ")"
        + $";created={created.ToString(CultureInfo.InvariantCulture)};nonce=\"{nonce}\";keyid=\"{keyId}\";alg=\"{algorithm}\"";

    /// <summary>The signature base of RFC 9421 §2.5: one <c>"name": value</c> line per component, then <c>"@signature-params"</c>.</summary>
    public static string SignatureBase(string method, string targetUri, string contentDigest, string tenant, string workspace, string agent, string signatureParameters)
    {
        string[] values = [method, targetUri, contentDigest, tenant, workspace, agent];
        return string.Concat(Components.Select((c, i) => $"\"{c}\": {values[i]}\n")) + "\"@signature-params\": " + signatureParameters;
    }

    /// <summary>
    /// Sets X-Gamut-Tenant, -Workspace, -Agent, Content-Digest, Signature-Input and Signature on a request whose body is
    /// <paramref name="body"/> (the exact bytes sent), signed with <paramref name="key"/> registered under <paramref name="keyId"/>.
    /// </summary>
    public static void Apply(HttpRequestMessage request, GamutOptions options, AgentKeyPair key, string keyId, ReadOnlySpan<byte> body, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(key);
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        var digest = ContentDigest(body);
        var parameters = SignatureParameters((time ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds(), AgentSignature.FreshNonce(), keyId, key.Algorithm);
        var signatureBase = SignatureBase(request.Method.Method.ToUpperInvariant(), uri.GetLeftPart(UriPartial.Authority) + uri.PathAndQuery, digest,
            options.Tenant, options.Workspace, options.AgentId, parameters);
        AgentSignature.Set(request, "X-Gamut-Tenant", options.Tenant);
        AgentSignature.Set(request, "X-Gamut-Workspace", options.Workspace);
        AgentSignature.Set(request, "X-Gamut-Agent", options.AgentId);
        AgentSignature.Set(request, "Content-Digest", digest);
        AgentSignature.Set(request, "Signature-Input", "sig1=" + parameters);
        AgentSignature.Set(request, "Signature", "sig1=:" + Convert.ToBase64String(key.Sign(Encoding.UTF8.GetBytes(signatureBase))) + ":");
    }
}

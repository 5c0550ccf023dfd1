using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Gamut.Agent;

/// <summary>
/// The RFC 9421 profile of an agent registered with a public key (docs/identity.md, "Asymmetric agent keys"): a signature
/// labelled <c>sig1</c> over <see cref="Components"/> (and <see cref="PersonComponent"/> after them when the request acts for
/// a person), with the parameters <c>created</c>, <c>nonce</c>, <c>keyid</c> and <c>alg</c>, and the body's RFC 9530
/// <c>Content-Digest</c>.
/// </summary>
public static class MessageSignature
{
    /// <summary>The components every signature covers, in this order.</summary>
    public static IReadOnlyList<string> Components { get; } =
        ["@method", "@target-uri", "content-digest", "x-gamut-tenant", "x-gamut-workspace", "x-gamut-agent"];

    /// <summary>The component covered after <see cref="Components"/> when a request acts for a person: <c>X-Gamut-Person</c>'s value, as sent.</summary>
    public const string PersonComponent = "x-gamut-person";

    /// <summary>RFC 9530 <c>Content-Digest</c> of the body: <c>sha-256=:&lt;base64&gt;:</c>, and <c>, sha-512=:…:</c> when <paramref name="sha512"/>.</summary>
    public static string ContentDigest(ReadOnlySpan<byte> body, bool sha512 = false) =>
        "sha-256=:" + Convert.ToBase64String(SHA256.HashData(body)) + ":" + (sha512 ? ", sha-512=:" + Convert.ToBase64String(SHA512.HashData(body)) + ":" : string.Empty);

    /// <summary>The signature's parameters as RFC 8941 serialises them: <c>Signature-Input</c>'s value and the base's last line.</summary>
    public static string SignatureParameters(long created, string nonce, string keyId, string algorithm) =>
        SignatureParameters(created, nonce, keyId, algorithm, coversPerson: false);

    /// <summary>The signature's parameters; with <paramref name="coversPerson"/>, the covered components end with <see cref="PersonComponent"/>.</summary>
    public static string SignatureParameters(long created, string nonce, string keyId, string algorithm, bool coversPerson) =>
        "(" + string.Join(' ', Covered(coversPerson).Select(c => "\"" + c + "\"")) + ")"
        + $";created={created.ToString(CultureInfo.InvariantCulture)};nonce=\"{nonce}\";keyid=\"{keyId}\";alg=\"{algorithm}\"";

    /// <summary>The signature base of RFC 9421 §2.5: one <c>"name": value</c> line per component, then <c>"@signature-params"</c>.</summary>
    public static string SignatureBase(string method, string targetUri, string contentDigest, string tenant, string workspace, string agent, string signatureParameters) =>
        SignatureBase(method, targetUri, contentDigest, tenant, workspace, agent, signatureParameters, personToken: null);

    /// <summary>
    /// The signature base; with <paramref name="personToken"/> (<c>X-Gamut-Person</c>'s value), its line
    /// <c>"x-gamut-person": &lt;token&gt;</c> follows the six (the parameters must then cover it).
    /// </summary>
    public static string SignatureBase(string method, string targetUri, string contentDigest, string tenant, string workspace, string agent, string signatureParameters, string? personToken)
    {
        string?[] values = [method, targetUri, contentDigest, tenant, workspace, agent, personToken];
        return string.Concat(Covered(personToken is not null).Select((c, i) => $"\"{c}\": {values[i]}\n")) + "\"@signature-params\": " + signatureParameters;
    }

    /// <summary>
    /// Sets X-Gamut-Tenant, -Workspace, -Agent, Content-Digest, Signature-Input and Signature on a request whose body is
    /// <paramref name="body"/> (the exact bytes sent), signed with <paramref name="key"/> registered under <paramref name="keyId"/>;
    /// a person's token already on the request (<see cref="AgentSignature.PersonHeader"/>) is covered by the signature.
    /// </summary>
    public static void Apply(HttpRequestMessage request, GamutOptions options, AgentKeyPair key, string keyId, ReadOnlySpan<byte> body, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(key);
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        var digest = ContentDigest(body);
        var person = request.Headers.TryGetValues(AgentSignature.PersonHeader, out var personValues) ? personValues.Single() : null;
        var parameters = SignatureParameters((time ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds(), AgentSignature.FreshNonce(), keyId, key.Algorithm, person is not null);
        var signatureBase = SignatureBase(request.Method.Method.ToUpperInvariant(), uri.GetLeftPart(UriPartial.Authority) + uri.PathAndQuery, digest,
            options.Tenant, options.Workspace, options.AgentId, parameters, person);
        AgentSignature.Set(request, "X-Gamut-Tenant", options.Tenant);
        AgentSignature.Set(request, "X-Gamut-Workspace", options.Workspace);
        AgentSignature.Set(request, "X-Gamut-Agent", options.AgentId);
        AgentSignature.Set(request, "Content-Digest", digest);
        AgentSignature.Set(request, "Signature-Input", "sig1=" + parameters);
        AgentSignature.Set(request, "Signature", "sig1=:" + Convert.ToBase64String(key.Sign(Encoding.UTF8.GetBytes(signatureBase))) + ":");
    }

    private static IEnumerable<string> Covered(bool coversPerson) => coversPerson ? [.. Components, PersonComponent] : Components;
}

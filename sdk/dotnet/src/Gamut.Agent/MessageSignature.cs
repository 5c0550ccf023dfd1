using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Gamut.Agent;

/// <summary>
/// The RFC 9421 profile of an agent registered with a public key (docs/identity.md, "Asymmetric agent keys"): a signature
/// labelled <c>sig1</c> over <see cref="Components"/> (then <see cref="PersonComponent"/> when the request acts for a person,
/// then <see cref="RunComponent"/> when it belongs to a run), with the parameters <c>created</c>, <c>nonce</c>, <c>keyid</c> and <c>alg</c>, and the body's RFC 9530
/// <c>Content-Digest</c>.
/// </summary>
public static class MessageSignature
{
    /// <summary>The components every signature covers, in this order.</summary>
    public static IReadOnlyList<string> Components { get; } =
        ["@method", "@target-uri", "content-digest", "x-gamut-tenant", "x-gamut-workspace", "x-gamut-agent"];

    /// <summary>The component covered after <see cref="Components"/> when a request acts for a person: <c>X-Gamut-Person</c>'s value, as sent.</summary>
    public const string PersonComponent = "x-gamut-person";

    /// <summary>The component covered last when a request belongs to a run: <c>X-Gamut-Run</c>'s value.</summary>
    public const string RunComponent = "x-gamut-run";

    /// <summary>RFC 9530 <c>Content-Digest</c> of the body: <c>sha-256=:&lt;base64&gt;:</c>, and <c>, sha-512=:…:</c> when <paramref name="sha512"/>.</summary>
    public static string ContentDigest(ReadOnlySpan<byte> body, bool sha512 = false) =>
        "sha-256=:" + Convert.ToBase64String(SHA256.HashData(body)) + ":" + (sha512 ? ", sha-512=:" + Convert.ToBase64String(SHA512.HashData(body)) + ":" : string.Empty);

    /// <summary>The signature's parameters as RFC 8941 serialises them: <c>Signature-Input</c>'s value and the base's last line.</summary>
    public static string SignatureParameters(long created, string nonce, string keyId, string algorithm) =>
        SignatureParameters(created, nonce, keyId, algorithm, coversPerson: false);

    /// <summary>The signature's parameters; with <paramref name="coversPerson"/>, the covered components end with <see cref="PersonComponent"/>.</summary>
    public static string SignatureParameters(long created, string nonce, string keyId, string algorithm, bool coversPerson) =>
        SignatureParameters(created, nonce, keyId, algorithm, coversPerson, coversRun: false);

    /// <summary>The signature's parameters; the covered components are the six, then <see cref="PersonComponent"/> with <paramref name="coversPerson"/>, then <see cref="RunComponent"/> with <paramref name="coversRun"/>.</summary>
    public static string SignatureParameters(long created, string nonce, string keyId, string algorithm, bool coversPerson, bool coversRun) =>
        "(" + string.Join(' ', Covered(coversPerson, coversRun).Select(c => "\"" + c + "\"")) + ")"
        + $";created={created.ToString(CultureInfo.InvariantCulture)};nonce=\"{nonce}\";keyid=\"{keyId}\";alg=\"{algorithm}\"";

    /// <summary>The signature base of RFC 9421 §2.5: one <c>"name": value</c> line per component, then <c>"@signature-params"</c>.</summary>
    public static string SignatureBase(string method, string targetUri, string contentDigest, string tenant, string workspace, string agent, string signatureParameters) =>
        SignatureBase(method, targetUri, contentDigest, tenant, workspace, agent, signatureParameters, personToken: null);

    /// <summary>
    /// The signature base; with <paramref name="personToken"/> (<c>X-Gamut-Person</c>'s value), its line
    /// <c>"x-gamut-person": &lt;token&gt;</c> follows the six (the parameters must then cover it).
    /// </summary>
    public static string SignatureBase(string method, string targetUri, string contentDigest, string tenant, string workspace, string agent, string signatureParameters, string? personToken) =>
        SignatureBase(method, targetUri, contentDigest, tenant, workspace, agent, signatureParameters, personToken, runId: null);

    /// <summary>
    /// The signature base; with <paramref name="runId"/> (<c>X-Gamut-Run</c>'s value), its line <c>"x-gamut-run": &lt;run id&gt;</c>
    /// comes last, after the person's (the parameters must then cover it).
    /// </summary>
    public static string SignatureBase(string method, string targetUri, string contentDigest, string tenant, string workspace, string agent, string signatureParameters, string? personToken, string? runId)
    {
        string[] values = [method, targetUri, contentDigest, tenant, workspace, agent, .. new[] { personToken, runId }.OfType<string>()];
        return string.Concat(Covered(personToken is not null, runId is not null).Select((c, i) => $"\"{c}\": {values[i]}\n")) + "\"@signature-params\": " + signatureParameters;
    }

    /// <summary>
    /// Sets X-Gamut-Tenant, -Workspace, -Agent, Content-Digest, Signature-Input and Signature on a request whose body is
    /// <paramref name="body"/> (the exact bytes sent), signed with <paramref name="key"/> registered under <paramref name="keyId"/>
    /// (its method upper-cased first, so that it is sent as signed);
    /// a person's token (<see cref="AgentSignature.PersonHeader"/>) and a run (<see cref="AgentSignature.RunHeader"/>) already on
    /// the request are covered by the signature; a person's token that is not a compact JWS is refused (<see cref="GamutConfigurationException"/>).
    /// </summary>
    public static void Apply(HttpRequestMessage request, GamutOptions options, AgentKeyPair key, string keyId, ReadOnlySpan<byte> body, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(key);
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        var digest = ContentDigest(body);
        var person = AgentSignature.PersonOf(request);
        var run = AgentSignature.SingleHeader(request, AgentSignature.RunHeader);
        if (request.Method.Method != request.Method.Method.ToUpperInvariant())
        {
            // The gateway reads @method as sent, and HttpClient sends an extension method (`purge`) in the case it is given
            // (a known one upper-cased): the request is sent with the method it is signed with.
            request.Method = new HttpMethod(request.Method.Method.ToUpperInvariant());
        }

        var parameters = SignatureParameters((time ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds(), AgentSignature.FreshNonce(), keyId, key.Algorithm, person is not null, run is not null);
        var signatureBase = SignatureBase(request.Method.Method, uri.GetLeftPart(UriPartial.Authority) + uri.PathAndQuery, digest,
            options.Tenant, options.Workspace, options.AgentId, parameters, person, run);
        AgentSignature.Set(request, "X-Gamut-Tenant", options.Tenant);
        AgentSignature.Set(request, "X-Gamut-Workspace", options.Workspace);
        AgentSignature.Set(request, "X-Gamut-Agent", options.AgentId);
        AgentSignature.Set(request, "Content-Digest", digest);
        AgentSignature.Set(request, "Signature-Input", "sig1=" + parameters);
        AgentSignature.Set(request, "Signature", "sig1=:" + Convert.ToBase64String(key.Sign(Encoding.UTF8.GetBytes(signatureBase))) + ":");
    }

    private static IEnumerable<string> Covered(bool coversPerson, bool coversRun) =>
        [.. Components, .. coversPerson ? [PersonComponent] : Array.Empty<string>(), .. coversRun ? [RunComponent] : Array.Empty<string>()];
}

using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>What an RFC 9421 signature is made over: the covered components' values and the signature's parameters.</summary>
public sealed record MessageSigningParts(
    string Method,
    string TargetUri,
    string ContentDigest,
    string Tenant,
    string Workspace,
    string Agent,
    long Created,
    string Nonce,
    string KeyId,
    string Algorithm,
    IReadOnlyList<string> Components,
    string? Person = null,
    string? Run = null)
{
    /// <summary>The profile's components, in the order the SDKs sign them.</summary>
    public static readonly IReadOnlyList<string> Profile =
        ["@method", "@target-uri", "content-digest", "x-gamut-tenant", "x-gamut-workspace", "x-gamut-agent"];

    /// <summary>The profile's components for a request acting for a person: the six, then <c>x-gamut-person</c>.</summary>
    public static readonly IReadOnlyList<string> ProfileForPerson = [.. Profile, "x-gamut-person"];

    /// <summary>The serialised inner list with its parameters: <c>Signature-Input</c>'s value and the base's last line.</summary>
    public string SignatureParameters =>
        "(" + string.Join(' ', Components.Select(c => $"\"{c}\"")) + ")"
        + $";created={Created.ToString(CultureInfo.InvariantCulture)};nonce=\"{Nonce}\";keyid=\"{KeyId}\";alg=\"{Algorithm}\"";

    /// <summary>The signature base of RFC 9421 §2.5, written here apart from the gateway's own builder.</summary>
    public string SignatureBase()
    {
        var values = new Dictionary<string, string>
        {
            ["@method"] = Method, ["@target-uri"] = TargetUri, ["content-digest"] = ContentDigest,
            ["x-gamut-tenant"] = Tenant, ["x-gamut-workspace"] = Workspace, ["x-gamut-agent"] = Agent,
            ["x-gamut-person"] = Person ?? string.Empty, ["x-gamut-run"] = Run ?? string.Empty,
        };
        return string.Concat(Components.Select(c => $"\"{c}\": {values[c]}\n")) + "\"@signature-params\": " + SignatureParameters;
    }
}

/// <summary>
/// Acts as an agent registered with a public key: signs each request with an RFC 9421 signature under the gateway's
/// profile. <c>signedOver</c> changes what the signature covers without changing what is sent (a request altered in
/// transit), so each covered component can be shown to matter.
/// </summary>
public sealed class MessageSigningClient(HttpClient http, VectorKeyPair key, string tenant = DemoBundle.Tenant, string workspace = DemoBundle.Workspace, string agent = DemoBundle.Agent)
{
    public VectorKeyPair Key { get; } = key;

    public static string Digest(byte[] body) => "sha-256=:" + Convert.ToBase64String(SHA256.HashData(body)) + ":";

    /// <summary>
    /// Builds and signs a request: <paramref name="signedOver"/> changes what the signature covers (the base and the
    /// parameters it names), <paramref name="sentParameters"/> changes only the parameters sent in <c>Signature-Input</c>.
    /// With <paramref name="personToken"/>, the request carries it in <c>X-Gamut-Person</c> and the signature covers it.
    /// </summary>
    public HttpRequestMessage Create(
        HttpMethod method,
        string target,
        string? json = null,
        Func<MessageSigningParts, MessageSigningParts>? signedOver = null,
        Func<MessageSigningParts, MessageSigningParts>? sentParameters = null,
        long? created = null,
        string contentType = "application/json",
        string? personToken = null,
        string? run = null)
    {
        var uri = new Uri(http.BaseAddress!, target);
        var request = new HttpRequestMessage(method, uri);
        var body = json is null ? [] : Encoding.UTF8.GetBytes(json);
        if (json is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        var parts = new MessageSigningParts(
            method.Method, uri.GetLeftPart(UriPartial.Authority) + uri.PathAndQuery, Digest(body), tenant, workspace, agent,
            created ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds(), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            Key.KeyId, Key.Algorithm,
            [.. personToken is null ? MessageSigningParts.Profile : MessageSigningParts.ProfileForPerson, .. run is null ? [] : (string[])["x-gamut-run"]],
            personToken, run);
        if (personToken is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Gamut-Person", personToken);
        }

        if (run is not null)
        {
            // The run the request belongs to, covered after the profile's six components (and the person's).
            request.Headers.Add("X-Gamut-Run", run);
        }

        request.Headers.Add("X-Gamut-Tenant", parts.Tenant);
        request.Headers.Add("X-Gamut-Workspace", parts.Workspace);
        request.Headers.Add("X-Gamut-Agent", parts.Agent);
        request.Headers.Add("Content-Digest", parts.ContentDigest);

        var signed = signedOver?.Invoke(parts) ?? parts;
        var signature = Key.Sign(Encoding.UTF8.GetBytes(signed.SignatureBase()));
        request.Headers.Add("Signature-Input", "sig1=" + (sentParameters?.Invoke(signed) ?? signed).SignatureParameters);
        request.Headers.Add("Signature", "sig1=:" + Convert.ToBase64String(signature) + ":");
        return request;
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => http.SendAsync(request);

    public Task<HttpResponseMessage> PostJsonAsync(string target, string json) => http.SendAsync(Create(HttpMethod.Post, target, json));

    /// <summary>Sends <paramref name="json"/> to <paramref name="target"/> acting for the person <paramref name="personToken"/> names (covered by the signature).</summary>
    public Task<HttpResponseMessage> PostAsPersonAsync(string target, string json, string personToken) =>
        http.SendAsync(Create(HttpMethod.Post, target, json, personToken: personToken));
}

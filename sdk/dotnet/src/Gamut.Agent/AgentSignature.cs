using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gamut.Agent;

/// <summary>
/// The agent protocol's request signature: the nine-line canonical string and <c>v1=</c> HMAC-SHA256; for an agent
/// configured with a key pair, <see cref="Apply"/> signs with <see cref="MessageSignature"/> (RFC 9421) instead. A request
/// acting for a person (<see cref="PersonHeader"/>) has a tenth v1 line, the SHA-256 of the person's token (or, RFC 9421,
/// the covered component <see cref="MessageSignature.PersonComponent"/>), so the signature covers it; a request that
/// belongs to a run (<see cref="RunHeader"/>) has the run id as its last line (RFC 9421: <see cref="MessageSignature.RunComponent"/>).
/// </summary>
public static partial class AgentSignature
{
    public const string Scheme = "GAMUT-HMAC-SHA256-V1";

    /// <summary>The header carrying the identity token of the person the agent acts for (a protocol extension).</summary>
    public const string PersonHeader = "X-Gamut-Person";

    /// <summary>The header carrying the id of the run a request belongs to (a protocol extension; docs/runs.md).</summary>
    public const string RunHeader = "X-Gamut-Run";

    /// <summary>Lowercase hex SHA-256 of the body bytes (of the empty string when there is no body).</summary>
    public static string BodySha256(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    /// <summary>
    /// The nine lines joined by <c>\n</c>, no trailing newline; with <paramref name="personToken"/> (the value of
    /// <see cref="PersonHeader"/>), a tenth: its lowercase hex SHA-256.
    /// </summary>
    public static string CanonicalString(string method, string target, string tenant, string workspace, string agent, string timestamp, string nonce, ReadOnlySpan<byte> body, string? personToken = null) =>
        CanonicalString(method, target, tenant, workspace, agent, timestamp, nonce, body, personToken, runId: null);

    /// <summary>
    /// The canonical string; with <paramref name="runId"/> (the value of <see cref="RunHeader"/>), one more line, last (after
    /// the person's): the run id itself.
    /// </summary>
    public static string CanonicalString(string method, string target, string tenant, string workspace, string agent, string timestamp, string nonce, ReadOnlySpan<byte> body, string? personToken, string? runId)
    {
        var nine = string.Join('\n', Scheme, method.ToUpperInvariant(), target, tenant, workspace, agent, timestamp, nonce, BodySha256(body));
        var withPerson = personToken is null ? nine : nine + "\n" + BodySha256(Encoding.UTF8.GetBytes(personToken));
        return runId is null ? withPerson : withPerson + "\n" + runId;
    }

    /// <summary><c>v1=</c> + lowercase hex HMAC-SHA256(UTF-8 bytes of the secret, canonical string).</summary>
    public static string Sign(string secret, string canonical) =>
        "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(canonical)));

    /// <summary>A fresh nonce: 32 characters of <c>[A-Za-z0-9_-]</c> from 24 random bytes.</summary>
    public static string FreshNonce() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// Sets the six <c>X-Gamut-*</c> headers on a request whose body is <paramref name="body"/> (the exact bytes sent); a
    /// person's token (<see cref="PersonHeader"/>) and a run (<see cref="RunHeader"/>) already on the request are covered by
    /// the signature.
    /// </summary>
    /// <remarks>
    /// Throws <see cref="GamutSecretMaterialException"/> (findings <c>target</c>, <c>body</c> or <c>header:&lt;name&gt;</c> of kind
    /// <c>agent_secret</c>, never the value), before anything is signed, when the agent's own secret appears in the request:
    /// in the target verbatim or after percent-decoding repeatedly until nothing changes (in the query also with <c>+</c>
    /// read as a space), in the body as UTF-8 bytes or, for a JSON body, in a string once its escapes are undone, or in the
    /// value of a request or content header; and <see cref="GamutConfigurationException"/> (the value not repeated) when
    /// <see cref="PersonHeader"/> is not a compact JWS (three base64url parts), e.g. a token carrying a CR or LF.
    /// </remarks>
    public static void Apply(HttpRequestMessage request, GamutOptions options, ReadOnlySpan<byte> body, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        if (options.KeyPair is { } key)
        {
            MessageSignature.Apply(request, options, key, options.KeyId!, body, time);
            return;
        }

        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
            .SelectMany(h => h.Value.Select(v => KeyValuePair.Create(h.Key, v)));
        ThrowIfAgentSecret(options.Secret, uri.PathAndQuery, body, headers);
        var timestamp = (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = FreshNonce();
        var canonical = CanonicalString(request.Method.Method, uri.PathAndQuery, options.Tenant, options.Workspace, options.AgentId, timestamp, nonce, body,
            PersonOf(request), SingleHeader(request, RunHeader));
        Set(request, "X-Gamut-Tenant", options.Tenant);
        Set(request, "X-Gamut-Workspace", options.Workspace);
        Set(request, "X-Gamut-Agent", options.AgentId);
        Set(request, "X-Gamut-Timestamp", timestamp);
        Set(request, "X-Gamut-Nonce", nonce);
        Set(request, "X-Gamut-Signature", Sign(options.Secret, canonical));
    }

    /// <summary>Throws <see cref="GamutSecretMaterialException"/> where the agent's own secret appears in a request (see <see cref="Apply"/>).</summary>
    internal static void ThrowIfAgentSecret(string secret, string target, ReadOnlySpan<byte> body, IEnumerable<KeyValuePair<string, string>> headers)
    {
        if (string.IsNullOrEmpty(secret))
        {
            return;
        }

        var findings = new List<SecretFinding>();
        var query = target.Contains('?', StringComparison.Ordinal) ? target[(target.IndexOf('?', StringComparison.Ordinal) + 1)..] : string.Empty;
        if (DecodesTo(target, secret, plus: false) || DecodesTo(query, secret, plus: true))
        {
            findings.Add(new SecretFinding("target", "agent_secret"));
        }

        if (body.IndexOf(Encoding.UTF8.GetBytes(secret)) >= 0 || (body.Contains((byte)'\\') && InJson(body, secret)))
        {
            findings.Add(new SecretFinding("body", "agent_secret"));
        }

        findings.AddRange(headers.Where(h => h.Value.Contains(secret, StringComparison.Ordinal)).Select(h => new SecretFinding("header:" + h.Key, "agent_secret")));
        if (findings.Count > 0)
        {
            throw new GamutSecretMaterialException(findings);
        }
    }

    private static bool DecodesTo(string text, string secret, bool plus)
    {
        while (true)
        {
            text = plus ? text.Replace('+', ' ') : text;
            if (text.Contains(secret, StringComparison.Ordinal))
            {
                return true;
            }

            var decoded = PercentEscapes().Replace(text, run => Encoding.UTF8.GetString(Convert.FromHexString(run.Value.Replace("%", string.Empty, StringComparison.Ordinal))));
            if (decoded == text)
            {
                return false;
            }

            text = decoded;
        }
    }

    private static bool InJson(ReadOnlySpan<byte> body, string secret)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
        var found = false;
        try
        {
            while (reader.Read())
            {
                found |= (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName) && reader.GetString()!.Contains(secret, StringComparison.Ordinal);
            }

            return found;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    [GeneratedRegex("(?:%[0-9A-Fa-f]{2})+", RegexOptions.CultureInvariant)]
    private static partial Regex PercentEscapes();

    /// <summary>The person's token on <paramref name="request"/> (null for none), refused unless it is a compact JWS (<see cref="PersonTokenShape"/>).</summary>
    internal static string? PersonOf(HttpRequestMessage request) =>
        SingleHeader(request, PersonHeader) is { } person ? PersonTokenShape.Check(person) : null;

    /// <summary>The one value of <paramref name="name"/> on <paramref name="request"/>, or null when it is not sent.</summary>
    internal static string? SingleHeader(HttpRequestMessage request, string name) =>
        request.Headers.TryGetValues(name, out var values) ? values.Single() : null;

    internal static void Set(HttpRequestMessage request, string name, string value)
    {
        request.Headers.Remove(name);
        request.Headers.TryAddWithoutValidation(name, value);
    }
}

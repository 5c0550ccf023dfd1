using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Gateway.Connectors.Redaction;

namespace Gateway.Connectors.Detection;

/// <summary>
/// Finds provider configuration and secret material in an agent's JSON payload: members named like
/// credentials or provider settings (<c>api_key</c>, <c>apiKey</c>, <c>base_url</c>, <c>authorization</c>,
/// <c>access_token</c>, <c>password</c>…, compared without case, <c>_</c> or <c>-</c>), and string values
/// shaped like bearer tokens, JWTs, provider API keys or PEM private keys. The host refuses the request
/// with 400 <see cref="ErrorCode"/>. Findings carry a path and a kind, never the value.
/// </summary>
public static class SecretMaterialDetector
{
    /// <summary>The problem code the host answers with.</summary>
    public const string ErrorCode = "secret_material_in_payload";

    private const int MaxFindings = 32;

    private static readonly FrozenSet<string> CredentialMembers = new[]
    {
        "apikey", "xapikey", "apisecret", "apitoken", "authorization", "proxyauthorization", "authtoken", "accesstoken",
        "refreshtoken", "idtoken", "bearertoken", "sessiontoken", "secret", "clientsecret", "secretkey", "secretaccesskey",
        "awssecretaccesskey", "awssessiontoken", "password", "passwd", "privatekey", "openaiapikey", "anthropicapikey",
        "xgamutsignature", "byoagentsecret", "gamutbyoagentsecret", "cookie",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> ProviderMembers = new[]
    {
        "baseurl", "apibase", "apibaseurl", "openaibaseurl", "openaiapibase", "anthropicbaseurl", "azureendpoint",
        "apiversion", "organization", "openaiorganization",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// Scans a UTF-8 JSON payload. When it is not valid JSON the raw text is scanned for secret shapes
    /// (path <c>$</c>), so malformed input cannot hide material.
    /// </summary>
    public static IReadOnlyList<SecretFinding> Scan(ReadOnlySpan<byte> utf8Json)
    {
        var findings = new List<SecretFinding>();
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 128 });
            using var document = JsonDocument.ParseValue(ref reader);
            Walk(document.RootElement, "$", findings);
        }
        catch (JsonException)
        {
            findings.Clear();
            ScanString(Encoding.UTF8.GetString(utf8Json), "$", findings);
        }

        return findings;
    }

    /// <summary>Scans an already parsed element.</summary>
    public static IReadOnlyList<SecretFinding> Scan(JsonElement element)
    {
        var findings = new List<SecretFinding>();
        Walk(element, "$", findings);
        return findings;
    }

    /// <summary>True when the member name is a credential or provider-configuration name.</summary>
    public static bool IsSensitiveMemberName(string name, out SecretKind kind)
    {
        ArgumentNullException.ThrowIfNull(name);
        var normalized = Normalize(name);
        if (CredentialMembers.Contains(normalized))
        {
            kind = SecretKind.CredentialMember;
            return true;
        }

        if (ProviderMembers.Contains(normalized))
        {
            kind = SecretKind.ProviderConfiguration;
            return true;
        }

        kind = default;
        return false;
    }

    private static void Walk(JsonElement element, string path, List<SecretFinding> findings)
    {
        if (findings.Count >= MaxFindings)
        {
            return;
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var childPath = ChildPath(path, property.Name);
                    if (IsSensitiveMemberName(property.Name, out var kind) && HasValue(property.Value))
                    {
                        findings.Add(new SecretFinding(childPath, kind));
                    }

                    Walk(property.Value, childPath, findings);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, path + "[" + index.ToString(CultureInfo.InvariantCulture) + "]", findings);
                    index++;
                }

                break;
            case JsonValueKind.String:
                ScanString(element.GetString()!, path, findings);
                break;
            default:
                break;
        }
    }

    private static void ScanString(string text, string path, List<SecretFinding> findings)
    {
        if (text.Length < 12)
        {
            return;
        }

        for (var match = SensitivePatterns.For(text).Match(text); match.Success && findings.Count < MaxFindings; match = match.NextMatch())
        {
            SecretKind? kind = SensitivePatterns.KindOf(match) switch
            {
                RedactionKind.BearerToken => SecretKind.BearerToken,
                RedactionKind.Jwt => SecretKind.Jwt,
                RedactionKind.ApiKey => SecretKind.ApiKey,
                RedactionKind.PrivateKey => SecretKind.PrivateKey,
                _ => null,
            };
            if (kind is { } k && !findings.Contains(new SecretFinding(path, k)))
            {
                findings.Add(new SecretFinding(path, k));
            }
        }
    }

    private static bool HasValue(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined or JsonValueKind.False => false,
        JsonValueKind.String => value.GetString()!.Trim().Length > 0,
        _ => true,
    };

    private static string Normalize(string name)
    {
        Span<char> buffer = stackalloc char[Math.Min(name.Length, 64)];
        var length = 0;
        foreach (var c in name)
        {
            if (c is '_' or '-' or '.' or ' ')
            {
                continue;
            }

            if (length == buffer.Length)
            {
                return string.Empty;
            }

            buffer[length++] = char.ToLowerInvariant(c);
        }

        return new string(buffer[..length]);
    }

    private static string ChildPath(string path, string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !char.IsAsciiDigit(name[0])
            ? path + "." + name
            : path + "['" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "']";
}

using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gamut.Agent;

/// <summary>
/// Client-side refusal of secret material with the gateway's rules (its SecretMaterialDetector and
/// SensitivePatterns): members named like credentials or provider settings, and strings shaped like bearer
/// tokens, JWTs, provider API keys or PEM private keys. tests/vectors/agent-protocol.json keeps the gateway
/// and the three SDKs equal.
/// </summary>
public static partial class SecretMaterial
{
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

    private static readonly string[] SecretKinds = ["bearer_token", "jwt", "api_key", "private_key"];

    /// <summary>Findings in a JSON value (at most 32).</summary>
    public static IReadOnlyList<SecretFinding> Find(JsonElement value)
    {
        var findings = new List<SecretFinding>();
        Walk(value, "$", findings);
        return findings;
    }

    /// <summary>Findings in UTF-8 JSON; text that is not JSON is scanned as one string.</summary>
    public static IReadOnlyList<SecretFinding> Find(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 128 });
            using var document = JsonDocument.ParseValue(ref reader);
            return Find(document.RootElement);
        }
        catch (JsonException)
        {
            var findings = new List<SecretFinding>();
            AddStringFindings(System.Text.Encoding.UTF8.GetString(utf8Json), "$", findings);
            return findings;
        }
    }

    /// <summary><c>credential_member</c>, <c>provider_configuration</c> or null for a member name.</summary>
    public static string? SensitiveMemberKind(string name)
    {
        var normalized = Normalize(name);
        return CredentialMembers.Contains(normalized) ? "credential_member"
            : ProviderMembers.Contains(normalized) ? "provider_configuration"
            : null;
    }

    /// <summary>The kinds of secret material in one string, in order of appearance.</summary>
    public static IReadOnlyList<string> SecretKindsIn(string text)
    {
        var kinds = new List<string>();
        if (text.Length < 12)
        {
            return kinds;
        }

        for (var match = Sensitive().Match(text); match.Success; match = match.NextMatch())
        {
            var kind = SecretKinds.FirstOrDefault(k => match.Groups[k].Success);
            if (kind is not null && !kinds.Contains(kind))
            {
                kinds.Add(kind);
            }
        }

        return kinds;
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
                    var child = ChildPath(path, property.Name);
                    if (SensitiveMemberKind(property.Name) is { } kind && HasValue(property.Value))
                    {
                        findings.Add(new SecretFinding(child, kind));
                    }

                    Walk(property.Value, child, findings);
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
                AddStringFindings(element.GetString()!, path, findings);
                break;
            default:
                break;
        }
    }

    private static void AddStringFindings(string text, string path, List<SecretFinding> findings)
    {
        foreach (var kind in SecretKindsIn(text))
        {
            if (findings.Count >= MaxFindings)
            {
                return;
            }

            var finding = new SecretFinding(path, kind);
            if (!findings.Contains(finding))
            {
                findings.Add(finding);
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
        var normalized = string.Concat(name.Where(c => c is not ('_' or '-' or '.' or ' '))).ToLowerInvariant();
        return normalized.Length > 64 ? string.Empty : normalized;
    }

    private static string ChildPath(string path, string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !char.IsAsciiDigit(name[0])
            ? path + "." + name
            : path + "['" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "']";

    // The gateway's pattern, alternative for alternative (e-mail and card numbers match but are not secret material).
    [GeneratedRegex(
        @"(?<private_key>-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY-----(?:[A-Za-z0-9+/=\s\\:,.-]{0,16384}?-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY-----|[A-Za-z0-9+/=\s\\:,.-]*))"
        + @"|(?<bearer_token>(?:(?<=\\[nrt])|(?<![A-Za-z0-9_\\]))[Bb][Ee][Aa][Rr][Ee][Rr][ \t]+(?=[A-Za-z0-9._~+/-]*[0-9._~+/-])[A-Za-z0-9._~+/-]{12,}=*)"
        + @"|(?<jwt>(?:(?<=\\[nrt])|(?<![A-Za-z0-9+/_\\-]))eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]*)?)"
        + @"|(?<api_key>(?:(?<=\\[nrt])|(?<![A-Za-z0-9+/_\\-]))(?:sk-ant-[A-Za-z0-9_-]{20,}|sk-(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{20,}"
        + @"|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Za-z])|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}"
        + @"|xox[abeprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])|glpat-[A-Za-z0-9_-]{20,}|hf_[A-Za-z0-9]{30,}))"
        + @"|(?<email>(?:(?<=\\[nrt])|(?<![A-Za-z0-9._%+\\-]))[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,4}[A-Za-z]{2,24}(?![A-Za-z0-9-]))"
        + @"|(?<card_number>(?:(?<=\\[nrt])|(?<![A-Za-z0-9_\\.-]))(?:[2-6](?:[ -]?[0-9]){12,18}|[2-6](?:(?:(?<=[0-9]{3})(?<![0-9]{7})(?:[ \t.\u00A0\u2000-\u200A\u202F\u205F\u3000\u2010-\u2015\u2212-]|\\t){1,8}(?=[0-9]{3,6}(?![0-9])))?[0-9]){12,18})(?![0-9A-Za-z_]|[.-][0-9]))",
        RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 2000)]
    private static partial Regex Sensitive();
}

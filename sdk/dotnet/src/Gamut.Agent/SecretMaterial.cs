using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gamut.Agent;

/// <summary>
/// Client-side refusal of secret material with the gateway's rules (its SecretMaterialDetector and
/// SensitivePatterns): members named like credentials or provider settings, and strings shaped like bearer
/// tokens, JWTs, provider API keys or PEM private keys. The rules are shared, the code is not: the SDK reads a body
/// in one pass of the JSON reader (no document), and tests/vectors/agent-protocol.json (<c>refuse</c>, <c>accept</c>)
/// keeps the gateway and the three SDKs equal.
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
    public static IReadOnlyList<SecretFinding> Find(JsonElement value) =>
        value.ValueKind == JsonValueKind.Undefined ? [] : Find(Encoding.UTF8.GetBytes(value.GetRawText()));

    /// <summary>Findings in UTF-8 JSON; text that is not JSON is scanned as one string.</summary>
    public static IReadOnlyList<SecretFinding> Find(ReadOnlySpan<byte> utf8Json)
    {
        var findings = new List<SecretFinding>();
        try
        {
            // One pass of the reader over the bytes, no document: what is found before the JSON turns out malformed is
            // dropped, and the text is then scanned as one string.
            ScanJson(utf8Json, findings);
        }
        catch (JsonException)
        {
            findings.Clear();
            AddStringFindings(Encoding.UTF8.GetString(utf8Json), "$", findings);
        }

        return findings;
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

    /// <summary>
    /// Reads the first JSON value of <paramref name="utf8Json"/> token by token. A member named like a credential or a
    /// provider setting is reported when its value is not empty (null, false or blank text); a string's secret shapes
    /// are reported once per kind. A value reached once 32 findings are held is not read into (the members of an object
    /// already being read are still reported).
    /// </summary>
    private static void ScanJson(ReadOnlySpan<byte> utf8Json, List<SecretFinding> findings)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 128 });
        var open = new Stack<Container>();
        string? member = null;
        string? memberKind = null;
        var skipped = 0;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                member = reader.GetString()!;
                memberKind = skipped == 0 ? SensitiveMemberKind(member) : null;
                continue;
            }

            if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
            {
                if (skipped > 0)
                {
                    skipped--;
                }
                else
                {
                    open.Pop();
                }

                if (open.Count == 0 && skipped == 0)
                {
                    return;
                }

                continue;
            }

            // A value: of a member, an array item, or the whole text.
            if (skipped > 0)
            {
                skipped += reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray ? 1 : 0;
                continue;
            }

            var path = open.Count == 0 ? "$" : open.Peek().ChildPath(member);
            if (memberKind is not null && HasValue(ref reader))
            {
                findings.Add(new SecretFinding(path, memberKind));
            }

            memberKind = null;
            if (findings.Count >= MaxFindings)
            {
                skipped += reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray ? 1 : 0;
            }
            else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                open.Push(new Container(path, reader.TokenType == JsonTokenType.StartArray));
            }
            else if (reader.TokenType == JsonTokenType.String)
            {
                AddStringFindings(reader.GetString()!, path, findings);
            }

            if (open.Count == 0 && skipped == 0)
            {
                return;
            }
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

    private static bool HasValue(ref Utf8JsonReader value) => value.TokenType switch
    {
        JsonTokenType.Null or JsonTokenType.False => false,
        JsonTokenType.String => value.GetString()!.Trim().Length > 0,
        _ => true,
    };

    private static string Normalize(string name)
    {
        var normalized = string.Concat(name.Where(c => c is not ('_' or '-' or '.' or ' '))).ToLowerInvariant();
        return normalized.Length > 64 ? string.Empty : normalized;
    }

    /// <summary>An object or array being read: its path, and for an array the index of its next item.</summary>
    private sealed class Container(string path, bool isArray)
    {
        private int _next;

        /// <summary>The path of the value read next in it: <c>path.name</c>, <c>path['na me']</c> or <c>path[i]</c>.</summary>
        public string ChildPath(string? member)
        {
            if (isArray)
            {
                return path + "[" + (_next++).ToString(CultureInfo.InvariantCulture) + "]";
            }

            var name = member!;
            return name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !char.IsAsciiDigit(name[0])
                ? path + "." + name
                : path + "['" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "']";
        }
    }

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

using System.Buffers;
using System.Collections.Frozen;
using System.Globalization;
using System.Runtime.InteropServices;
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

    // The shortest string scanned for key shapes.
    private const int MinScanned = 12;

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

    // The sets looked up by a name normalized on the stack.
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> CredentialLookup = CredentialMembers.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> ProviderLookup = ProviderMembers.GetAlternateLookup<ReadOnlySpan<char>>();

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
        return IsSensitiveMemberName(name.AsSpan(), out kind);
    }

    private static bool IsSensitiveMemberName(ReadOnlySpan<char> name, out SecretKind kind)
    {
        // The name lower-cased without separators, on the stack; a longer one than any listed name is none of them.
        Span<char> buffer = stackalloc char[64];
        if (!TryNormalize(name, buffer, out var length))
        {
            kind = default;
            return false;
        }

        var normalized = buffer[..length];
        if (CredentialLookup.Contains(normalized))
        {
            kind = SecretKind.CredentialMember;
            return true;
        }

        if (ProviderLookup.Contains(normalized))
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
                    // A member's path is made only when something below it may be a finding.
                    var value = property.Value;
                    var name = property.Name;
                    var sensitive = IsSensitiveMemberName(name.AsSpan(), out var kind) && HasValue(value);
                    if (!sensitive && !MayHoldFinding(value))
                    {
                        continue;
                    }

                    var childPath = ChildPath(path, name);
                    if (sensitive)
                    {
                        findings.Add(new SecretFinding(childPath, kind));
                    }

                    Walk(value, childPath, findings);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (MayHoldFinding(item))
                    {
                        Walk(item, path + "[" + index.ToString(CultureInfo.InvariantCulture) + "]", findings);
                    }

                    index++;
                }

                break;
            case JsonValueKind.String:
                if (MayHoldFinding(element))
                {
                    ScanValue(element, path, findings);
                }

                break;
            default:
                break;
        }
    }

    // Only objects, arrays and strings of at least MinScanned characters can hold one. A string's raw JSON (quotes and
    // escapes included, UTF-8) is never shorter than its value in UTF-16 code units, so a short raw value skips the copy.
    private static bool MayHoldFinding(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object or JsonValueKind.Array => true,
        JsonValueKind.String => JsonMarshal.GetRawUtf8Value(value).Length - 2 >= MinScanned,
        _ => false,
    };

    // A string value scanned as characters in a pooled buffer when its raw JSON has no escape (its UTF-8 is its text): no
    // string is made of a long argument (a model prompt) that holds nothing; an escaped value is unescaped into a string.
    private static void ScanValue(JsonElement value, string path, List<SecretFinding> findings)
    {
        var raw = JsonMarshal.GetRawUtf8Value(value);
        raw = raw[1..^1];
        if (raw.Contains((byte)'\\'))
        {
            ScanString(value.GetString()!, path, findings);
            return;
        }

        var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(raw.Length));
        try
        {
            var length = Encoding.UTF8.GetChars(raw, chars);
            ScanString(chars.AsSpan(0, length), path, findings);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars, clearArray: true);
        }
    }

    private static void ScanString(ReadOnlySpan<char> text, string path, List<SecretFinding> findings)
    {
        if (text.Length < MinScanned)
        {
            return;
        }

        foreach (var match in SensitivePatterns.For(text).EnumerateMatches(text))
        {
            if (findings.Count >= MaxFindings)
            {
                return;
            }

            SecretKind? kind = SensitivePatterns.KindOf(text.Slice(match.Index, match.Length)) switch
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

    private static bool TryNormalize(ReadOnlySpan<char> name, Span<char> buffer, out int length)
    {
        length = 0;
        foreach (var c in name)
        {
            if (c is '_' or '-' or '.' or ' ')
            {
                continue;
            }

            if (length == buffer.Length)
            {
                return false;
            }

            buffer[length++] = char.ToLowerInvariant(c);
        }

        return true;
    }

    private static string ChildPath(string path, string name) =>
        name.Length > 0 && IsPlainName(name) && !char.IsAsciiDigit(name[0])
            ? path + "." + name
            : path + "['" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "']";

    private static bool IsPlainName(string name)
    {
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}

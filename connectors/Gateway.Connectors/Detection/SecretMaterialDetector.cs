using System.Collections.Frozen;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Gateway.Connectors.Redaction;
using Microsoft.AspNetCore.WebUtilities;

namespace Gateway.Connectors.Detection;

/// <summary>
/// Finds provider configuration and secret material in an agent's JSON payload: members named like
/// credentials or provider settings (<c>api_key</c>, <c>apiKey</c>, <c>base_url</c>, <c>authorization</c>,
/// <c>access_token</c>, <c>password</c>…, compared without case, <c>_</c> or <c>-</c>), and string values
/// and member names shaped like bearer tokens, JWTs, provider API keys or PEM private keys. The host refuses the request
/// with 400 <see cref="ErrorCode"/>. Findings carry a path and a kind, never the value.
/// </summary>
public static partial class SecretMaterialDetector
{
    /// <summary>The problem code the host answers with.</summary>
    public const string ErrorCode = "secret_material_in_payload";

    private const int MaxFindings = 32;

    // The shortest string scanned for key shapes.
    private const int MinScanned = 12;

    // The longest member name read on the stack.
    private const int MaxStackName = 256;

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
    /// Scans a UTF-8 JSON payload. When it is not valid JSON, or text follows its first value (CSV, lines), the raw text
    /// is scanned for secret shapes (path <c>$</c>), so malformed input cannot hide material.
    /// </summary>
    public static IReadOnlyList<SecretFinding> Scan(ReadOnlySpan<byte> utf8Json)
    {
        var walk = new PayloadWalk();
        try
        {
            try
            {
                var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 128 });
                using var document = JsonDocument.ParseValue(ref reader);
                walk.Walk(document.RootElement);
                if (utf8Json[(int)reader.BytesConsumed..].TrimStart(" \t\r\n"u8).Length > 0)
                {
                    // What follows the value reaches the upstream too: the whole text is scanned as text.
                    walk.ScanString(Encoding.UTF8.GetString(utf8Json));
                }
            }
            catch (JsonException)
            {
                walk.Restart();
                walk.ScanString(Encoding.UTF8.GetString(utf8Json));
            }

            return walk.Findings;
        }
        finally
        {
            walk.Dispose();
        }
    }

    /// <summary>
    /// Scans a request's query (<c>?a=b&amp;…</c>, the <c>?</c> optional): each parameter's percent-decoded name against the
    /// credential names (a provider-configuration name such as Azure's <c>api-version</c> passes: a provider's own query
    /// takes it), and its decoded name and value for secret shapes. A finding's path is <c>?name</c>, or <c>?[i]</c> (the
    /// parameter's index) when the name is not plain or is itself the material. Only an encoded name or value is copied.
    /// </summary>
    public static IReadOnlyList<SecretFinding> ScanQuery(string rawQuery)
    {
        ArgumentNullException.ThrowIfNull(rawQuery);
        List<SecretFinding>? findings = null;
        var index = -1;
        foreach (var pair in new QueryStringEnumerable(rawQuery))
        {
            index++;
            var name = pair.DecodeName().Span;
            var value = pair.DecodeValue().Span;
            var inName = FirstShape(name);
            var credential = IsSensitiveMemberName(name, out var kind) && kind == SecretKind.CredentialMember && !value.IsWhiteSpace();
            var inValue = FirstShape(value);
            if (inName is null && !credential && inValue is null)
            {
                continue;
            }

            var path = inName is null && name.Length is > 0 and <= 64 && IsPlainName(name)
                ? "?" + name.ToString()
                : "?[" + index.ToString(CultureInfo.InvariantCulture) + "]";
            findings ??= [];
            findings.AddRange(new[] { inName, credential ? SecretKind.CredentialMember : null, inValue != inName ? inValue : null }
                .OfType<SecretKind>().Select(found => new SecretFinding(path, found)));
            if (findings.Count >= MaxFindings)
            {
                break;
            }
        }

        return findings is null ? [] : findings;
    }

    /// <summary>Scans an already parsed element.</summary>
    public static IReadOnlyList<SecretFinding> Scan(JsonElement element)
    {
        var walk = new PayloadWalk();
        try
        {
            walk.Walk(element);
            return walk.Findings;
        }
        finally
        {
            walk.Dispose();
        }
    }

    /// <summary>True when the member name is a credential or provider-configuration name.</summary>
    public static bool IsSensitiveMemberName(string name, out SecretKind kind)
    {
        ArgumentNullException.ThrowIfNull(name);
        return IsSensitiveMemberName(name.AsSpan(), out kind);
    }

    private static bool IsSensitiveMemberName(JsonProperty member, out SecretKind kind) =>
        IsSensitiveMemberName(NameChars(member, stackalloc char[MaxStackName]), out kind);

    // A member's name read from its raw JSON into buffer when it is short and unescaped (its UTF-8, which the document has
    // checked, is its text: no string is made of it); any other name is read as the property's string.
    private static ReadOnlySpan<char> NameChars(JsonProperty member, Span<char> buffer)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(member);
        return raw.Length <= buffer.Length && !raw.Contains((byte)'\\') && Encoding.UTF8.TryGetChars(raw, buffer, out var length)
            ? buffer[..length]
            : member.Name;
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

    // Only objects, arrays and strings of at least MinScanned characters can hold one. A string's raw JSON (quotes and
    // escapes included, UTF-8) is never shorter than its value in UTF-16 code units, so a short raw value skips the copy.
    private static bool MayHoldFinding(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object or JsonValueKind.Array => true,
        JsonValueKind.String => JsonMarshal.GetRawUtf8Value(value).Length - 2 >= MinScanned,
        _ => false,
    };

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

    // The first secret shape in the text (a bearer token, JWT, API key or private key), if any.
    private static SecretKind? FirstShape(ReadOnlySpan<char> text)
    {
        if (text.Length >= MinScanned)
        {
            foreach (var match in SensitivePatterns.For(text).EnumerateMatches(text))
            {
                if (ShapeKind(text.Slice(match.Index, match.Length)) is { } kind)
                {
                    return kind;
                }
            }
        }

        return null;
    }

    private static SecretKind? ShapeKind(ReadOnlySpan<char> match) => SensitivePatterns.KindOf(match) switch
    {
        RedactionKind.BearerToken => SecretKind.BearerToken,
        RedactionKind.Jwt => SecretKind.Jwt,
        RedactionKind.ApiKey => SecretKind.ApiKey,
        RedactionKind.PrivateKey => SecretKind.PrivateKey,
        _ => null,
    };

    private static bool IsPlainName(ReadOnlySpan<char> name)
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

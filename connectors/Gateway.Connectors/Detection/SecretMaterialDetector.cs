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
    /// Scans a UTF-8 JSON payload. When it is not valid JSON the raw text is scanned for secret shapes
    /// (path <c>$</c>), so malformed input cannot hide material.
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

    // A member's name read from its raw JSON on the stack when it is short, plain ASCII and unescaped (no string is made
    // of it); any other name is read as the property's string.
    private static bool IsSensitiveMemberName(JsonProperty member, out SecretKind kind)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(member);
        Span<char> name = stackalloc char[MaxStackName];
        return raw.Length <= MaxStackName && !raw.Contains((byte)'\\') && Ascii.ToUtf16(raw, name, out var length) == OperationStatus.Done
            ? IsSensitiveMemberName(name[..length], out kind)
            : IsSensitiveMemberName(member.Name.AsSpan(), out kind);
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

    /// <summary>
    /// One scan: the members and indexes from the root to the element walked (in a pooled array), and the findings. A
    /// path is written only when a finding is made, from those steps.
    /// </summary>
    private ref struct PayloadWalk
    {
        private Step[] _steps;
        private int _depth;
        private List<SecretFinding>? _findings;

        public PayloadWalk() => _steps = ArrayPool<Step>.Shared.Rent(16);

        public readonly IReadOnlyList<SecretFinding> Findings => _findings is null ? [] : _findings;

        private readonly int Count => _findings?.Count ?? 0;

        /// <summary>Forgets what was found: the text is scanned again as a whole.</summary>
        public void Restart()
        {
            _findings?.Clear();
            _depth = 0;
        }

        public void Walk(JsonElement element)
        {
            if (Count >= MaxFindings)
            {
                return;
            }

            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        // A member's step is taken only when something below it may be a finding.
                        var value = property.Value;
                        var sensitive = IsSensitiveMemberName(property, out var kind) && HasValue(value);
                        if (!sensitive && !MayHoldFinding(value))
                        {
                            continue;
                        }

                        Push(new Step(property, -1));
                        if (sensitive)
                        {
                            Add(new SecretFinding(Path(), kind));
                        }

                        Walk(value);
                        _depth--;
                    }

                    break;
                case JsonValueKind.Array:
                    var index = 0;
                    foreach (var item in element.EnumerateArray())
                    {
                        if (MayHoldFinding(item))
                        {
                            Push(new Step(default, index));
                            Walk(item);
                            _depth--;
                        }

                        index++;
                    }

                    break;
                case JsonValueKind.String:
                    if (MayHoldFinding(element))
                    {
                        ScanValue(element);
                    }

                    break;
                default:
                    break;
            }
        }

        // A string value scanned as characters in a pooled buffer when its raw JSON has no escape (its UTF-8 is its text):
        // no string is made of a long argument (a model prompt) that holds nothing; an escaped value is unescaped into a
        // string.
        private void ScanValue(JsonElement value)
        {
            var raw = JsonMarshal.GetRawUtf8Value(value);
            raw = raw[1..^1];
            if (raw.Contains((byte)'\\'))
            {
                ScanString(value.GetString()!);
                return;
            }

            var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(raw.Length));
            try
            {
                var length = Encoding.UTF8.GetChars(raw, chars);
                ScanString(chars.AsSpan(0, length));
            }
            finally
            {
                ArrayPool<char>.Shared.Return(chars, clearArray: true);
            }
        }

        public void ScanString(ReadOnlySpan<char> text)
        {
            if (text.Length < MinScanned)
            {
                return;
            }

            string? path = null;
            foreach (var match in SensitivePatterns.For(text).EnumerateMatches(text))
            {
                if (Count >= MaxFindings)
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
                if (kind is { } k)
                {
                    var finding = new SecretFinding(path ??= Path(), k);
                    if (_findings is null || !_findings.Contains(finding))
                    {
                        Add(finding);
                    }
                }
            }
        }

        public void Dispose()
        {
            ArrayPool<Step>.Shared.Return(_steps, clearArray: true);
            _steps = [];
        }

        private void Add(SecretFinding finding) => (_findings ??= []).Add(finding);

        private void Push(Step step)
        {
            if (_depth == _steps.Length)
            {
                var larger = ArrayPool<Step>.Shared.Rent(_steps.Length * 2);
                _steps.AsSpan().CopyTo(larger);
                ArrayPool<Step>.Shared.Return(_steps, clearArray: true);
                _steps = larger;
            }

            _steps[_depth++] = step;
        }

        // "$", then ".name" for a plain member name, "['name']" (with \ and ' escaped) for any other, "[i]" for an index.
        private readonly string Path()
        {
            var path = new StringBuilder("$");
            foreach (var step in _steps.AsSpan(0, _depth))
            {
                if (step.Index >= 0)
                {
                    path.Append('[').Append(step.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
                    continue;
                }

                var name = step.Member.Name;
                if (name.Length > 0 && IsPlainName(name) && !char.IsAsciiDigit(name[0]))
                {
                    path.Append('.').Append(name);
                }
                else
                {
                    path.Append("['").Append(name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)).Append("']");
                }
            }

            return path.ToString();
        }
    }

    /// <summary>A step from an element to one inside it: a member, or (<see cref="Index"/> of at least 0) an array's item.</summary>
    private readonly record struct Step(JsonProperty Member, int Index);
}

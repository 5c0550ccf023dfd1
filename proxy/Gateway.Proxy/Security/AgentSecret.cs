using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text;
using Gateway.Policy.Serialization;
using Gateway.Policy.Tokens;

namespace Gateway.Proxy.Security;

/// <summary>
/// An agent's runtime secret, held only as the HMAC key it is and the text it was issued as (to
/// recognise it presented anywhere but the signature: verbatim, inside HTTP Basic credentials, or
/// JSON-escaped in a body). Never formatted, logged or serialised.
/// </summary>
public sealed class AgentSecret
{
    private const string BasicScheme = "Basic ";

    private readonly string _text;
    private readonly byte[] _key;

    public AgentSecret(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        _text = text;
        _key = Encoding.UTF8.GetBytes(text);
        Key = new HmacKey(_key);
    }

    /// <summary>The HMAC key: the UTF-8 bytes of the secret.</summary>
    public HmacKey Key { get; }

    /// <summary>
    /// Names this secret without revealing it (the first 16 bytes, in hex, of an HMAC under the secret of a fixed
    /// label): the same on every replica, so the kill switch that retires the secret can be keyed by it.
    /// </summary>
    public string Fingerprint => field ??= Convert.ToHexStringLower(HMACSHA256.HashData(_key, "gamut agent secret fingerprint v1"u8)[..16]);

    /// <summary>
    /// True when the secret appears inside <paramref name="value"/> (a header or query value): verbatim,
    /// or in the base64 credentials of an HTTP <c>Basic</c> authorization.
    /// </summary>
    public bool AppearsIn(string? value)
    {
        if (value is null)
        {
            return false;
        }

        if (value.Contains(_text, StringComparison.Ordinal))
        {
            return true;
        }

        var trimmed = value.AsSpan().Trim();
        return trimmed.StartsWith(BasicScheme, StringComparison.OrdinalIgnoreCase) && BasicCredentialsContain(trimmed[BasicScheme.Length..].Trim());
    }

    /// <summary>
    /// True when the secret appears in a request target (or a part of one) as sent or after any number of
    /// rounds of percent-decoding (<c>%2541</c> is <c>%41</c> is <c>A</c>); a <c>+</c> in the query is also read as a space.
    /// </summary>
    public bool AppearsInTarget(string? target)
    {
        if (string.IsNullOrEmpty(target))
        {
            return false;
        }

        // Each round that changes the text removes at least two characters, so the loop ends.
        for (var text = target; ;)
        {
            if (AppearsIn(text) || (text.Contains('+', StringComparison.Ordinal) && AppearsIn(text.Replace('+', ' '))))
            {
                return true;
            }

            var decoded = Uri.UnescapeDataString(text);
            if (decoded.Length == text.Length)
            {
                return false;
            }

            text = decoded;
        }
    }

    /// <summary>
    /// True when the secret's bytes appear inside <paramref name="bytes"/>, verbatim or, when the bytes
    /// are JSON, inside a string or member name once its escapes (<c>\/</c>, <c>\u0041</c>…) are undone.
    /// </summary>
    public bool AppearsIn(ReadOnlySpan<byte> bytes) => bytes.IndexOf(_key) >= 0 || EscapedJsonContains(bytes);

    public override string ToString() => "[agent secret]";

    private bool BasicCredentialsContain(ReadOnlySpan<char> encoded)
    {
        var bytes = new byte[Base64.GetMaxDecodedFromUtf8Length(encoded.Length)];
        return Convert.TryFromBase64Chars(encoded, bytes, out var written) && bytes.AsSpan(0, written).IndexOf(_key) >= 0;
    }

    private bool EscapedJsonContains(ReadOnlySpan<byte> json)
    {
        if (json.IndexOf((byte)'\\') < 0)
        {
            return false;
        }

        try
        {
            // A string that is not text (JsonText) cannot be read as one: such a body is read as not JSON.
            JsonText.ThrowIfNotText(json);
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 });
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped
                    && reader.GetString()!.Contains(_text, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }
        catch (JsonException)
        {
            // Not (complete) JSON, or not text: undo the escapes leniently over the whole text.
            return LenientlyUnescaped(Encoding.UTF8.GetString(json)).Contains(_text, StringComparison.Ordinal);
        }

        return false;
    }

    private static string LenientlyUnescaped(string text)
    {
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\' || i + 1 >= text.Length)
            {
                builder.Append(text[i]);
                continue;
            }

            var next = text[++i];
            if (next == 'u' && i + 4 < text.Length && int.TryParse(text.AsSpan(i + 1, 4), System.Globalization.NumberStyles.HexNumber, null, out var code))
            {
                builder.Append((char)code);
                i += 4;
                continue;
            }

            builder.Append(next switch { 'n' => '\n', 't' => '\t', 'r' => '\r', 'b' => '\b', 'f' => '\f', _ => next });
        }

        return builder.ToString();
    }
}

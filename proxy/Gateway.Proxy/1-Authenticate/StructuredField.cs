using System.Globalization;
using System.Text;

namespace Gateway.Proxy.Authenticate;

/// <summary>A token (RFC 8941 §3.3.4), kept apart from a string so that each serialises as it was sent.</summary>
internal readonly record struct StructuredToken(string Value);

/// <summary>An item or an inner list with its parameters (RFC 8941 §3.1.2): <see cref="Items"/> is null for an item.</summary>
internal sealed record StructuredMember(object Value, IReadOnlyList<StructuredMember>? Items, IReadOnlyList<KeyValuePair<string, object>> Parameters);

/// <summary>
/// The part of RFC 8941 (Structured Field Values) the RFC 9421 profile reads: dictionaries whose members are items or
/// inner lists, bare items of every type but RFC 9651's dates and display strings, and parameters; and the serialisation
/// of an inner list with its parameters (what <c>@signature-params</c> is). Parsing is strict: anything the grammar does
/// not allow fails the whole field.
/// </summary>
internal static class StructuredField
{
    private const int MaxMembers = 32;

    /// <summary>Parses a dictionary field; null when it is not one. A key given twice keeps its last value, as §4.2.2 says.</summary>
    public static IReadOnlyList<KeyValuePair<string, StructuredMember>>? ParseDictionary(string text)
    {
        var members = new List<KeyValuePair<string, StructuredMember>>();
        var p = new Cursor(text);
        p.SkipSpaces();
        if (p.AtEnd)
        {
            return null;
        }

        while (true)
        {
            if (p.Key() is not { } key)
            {
                return null;
            }

            StructuredMember? member;
            if (p.Peek == '=')
            {
                p.Position++;
                member = p.Member();
            }
            else
            {
                member = p.Parameters() is { } parameters ? new StructuredMember(true, null, parameters) : null;
            }

            if (member is null || members.Count >= MaxMembers)
            {
                return null;
            }

            members.RemoveAll(m => m.Key == key);
            members.Add(new(key, member));
            p.SkipOptionalWhitespace();
            if (p.AtEnd)
            {
                return members;
            }

            if (p.Peek != ',')
            {
                return null;
            }

            p.Position++;
            p.SkipOptionalWhitespace();
            if (p.AtEnd)
            {
                return null;
            }
        }
    }

    /// <summary>Serialises an inner list with its parameters (RFC 8941 §4.1.1.1): the value of <c>@signature-params</c>.</summary>
    public static string SerializeInnerList(StructuredMember list)
    {
        var builder = new StringBuilder("(");
        for (var i = 0; i < list.Items!.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(' ');
            }

            AppendBareItem(builder, list.Items[i].Value);
            AppendParameters(builder, list.Items[i].Parameters);
        }

        builder.Append(')');
        AppendParameters(builder, list.Parameters);
        return builder.ToString();
    }

    private static void AppendParameters(StringBuilder builder, IReadOnlyList<KeyValuePair<string, object>> parameters)
    {
        foreach (var (key, value) in parameters)
        {
            builder.Append(';').Append(key);
            if (value is not true)
            {
                builder.Append('=');
                AppendBareItem(builder, value);
            }
        }
    }

    private static void AppendBareItem(StringBuilder builder, object value)
    {
        switch (value)
        {
            case long integer:
                builder.Append(integer.ToString(CultureInfo.InvariantCulture));
                break;
            case decimal number:
                var text = decimal.Round(number, 3, MidpointRounding.ToEven).ToString("0.0##", CultureInfo.InvariantCulture);
                builder.Append(text);
                break;
            case string s:
                builder.Append('"').Append(s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
                break;
            case StructuredToken token:
                builder.Append(token.Value);
                break;
            case byte[] bytes:
                builder.Append(':').Append(Convert.ToBase64String(bytes)).Append(':');
                break;
            case bool flag:
                builder.Append(flag ? "?1" : "?0");
                break;
        }
    }

    /// <summary>A position in the field's text and the grammar's productions from there.</summary>
    private ref struct Cursor(string text)
    {
        private readonly string _text = text;

        public int Position;

        public readonly bool AtEnd => Position >= _text.Length;

        public readonly char Peek => AtEnd ? '\0' : _text[Position];

        public void SkipSpaces()
        {
            while (Peek == ' ')
            {
                Position++;
            }
        }

        public void SkipOptionalWhitespace()
        {
            while (Peek is ' ' or '\t')
            {
                Position++;
            }
        }

        public StructuredMember? Member()
        {
            if (Peek != '(')
            {
                return BareItem() is { } value && Parameters() is { } parameters ? new StructuredMember(value, null, parameters) : null;
            }

            Position++;
            var items = new List<StructuredMember>();
            while (true)
            {
                SkipSpaces();
                if (Peek == ')')
                {
                    Position++;
                    return Parameters() is { } parameters ? new StructuredMember(items, items, parameters) : null;
                }

                if (BareItem() is not { } value || Parameters() is not { } itemParameters || items.Count >= MaxMembers)
                {
                    return null;
                }

                items.Add(new StructuredMember(value, null, itemParameters));
                if (Peek is not (' ' or ')'))
                {
                    return null;
                }
            }
        }

        public IReadOnlyList<KeyValuePair<string, object>>? Parameters()
        {
            var parameters = new List<KeyValuePair<string, object>>();
            while (Peek == ';')
            {
                Position++;
                SkipSpaces();
                if (Key() is not { } key)
                {
                    return null;
                }

                object value = true;
                if (Peek == '=')
                {
                    Position++;
                    if (BareItem() is not { } item)
                    {
                        return null;
                    }

                    value = item;
                }

                parameters.RemoveAll(p => p.Key == key);
                parameters.Add(new(key, value));
                if (parameters.Count > MaxMembers)
                {
                    return null;
                }
            }

            return parameters;
        }

        public string? Key()
        {
            var start = Position;
            if (Peek is not ((>= 'a' and <= 'z') or '*'))
            {
                return null;
            }

            while (Peek is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-' or '.' or '*')
            {
                Position++;
            }

            return _text[start..Position];
        }

        private object? BareItem() => Peek switch
        {
            '-' or (>= '0' and <= '9') => Number(),
            '"' => String(),
            ':' => ByteSequence(),
            '?' => Boolean(),
            (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '*' => Token(),
            _ => null,
        };

        private object? Number()
        {
            var start = Position;
            if (Peek == '-')
            {
                Position++;
            }

            var digitsStart = Position;
            while (Peek is >= '0' and <= '9')
            {
                Position++;
            }

            var integerDigits = Position - digitsStart;
            if (integerDigits is 0 or > 15)
            {
                return null;
            }

            if (Peek != '.')
            {
                return long.Parse(_text.AsSpan(start, Position - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            }

            Position++;
            var fractionStart = Position;
            while (Peek is >= '0' and <= '9')
            {
                Position++;
            }

            var fractionDigits = Position - fractionStart;
            return integerDigits > 12 || fractionDigits is 0 or > 3
                ? null
                : decimal.Parse(_text.AsSpan(start, Position - start), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        }

        private string? String()
        {
            Position++;
            var builder = new StringBuilder();
            while (!AtEnd)
            {
                var c = _text[Position++];
                if (c == '"')
                {
                    return builder.ToString();
                }

                if (c == '\\')
                {
                    if (Peek is not ('"' or '\\'))
                    {
                        return null;
                    }

                    c = _text[Position++];
                }
                else if (c is < ' ' or > '~')
                {
                    return null;
                }

                builder.Append(c);
            }

            return null;
        }

        private byte[]? ByteSequence()
        {
            var end = _text.IndexOf(':', Position + 1);
            if (end < 0)
            {
                return null;
            }

            var encoded = _text.AsSpan(Position + 1, end - Position - 1);
            foreach (var c in encoded)
            {
                if (c is not ((>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '+' or '/' or '='))
                {
                    return null;
                }
            }

            var buffer = new byte[(encoded.Length / 4 * 3) + 3];
            if (!Convert.TryFromBase64Chars(encoded, buffer, out var written))
            {
                return null;
            }

            Position = end + 1;
            return buffer[..written];
        }

        private object? Boolean()
        {
            Position++;
            var value = Peek;
            Position++;
            return value switch { '1' => true, '0' => false, _ => null };
        }

        private StructuredToken Token()
        {
            var start = Position;
            Position++;
            while (Peek is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or ':' or '/'
                   or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~')
            {
                Position++;
            }

            return new StructuredToken(_text[start..Position]);
        }
    }
}

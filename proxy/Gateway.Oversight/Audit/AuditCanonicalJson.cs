using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gateway.Oversight.Audit;

/// <summary>
/// The canonical form the chain hashes, defined here rather than by a serializer's defaults so that
/// it never changes with a runtime upgrade: no whitespace; object members sorted by ordinal (UTF-16)
/// name; duplicate names refused; numbers exactly as written; strings escape only <c>"</c>,
/// <c>\</c> and control characters (<c>\b \f \n \r \t</c>, others <c>\u00xx</c>), everything else
/// literal UTF-8. Journal lines are stored in this form.
/// </summary>
public static class AuditCanonicalJson
{
    /// <summary>64 zeros: the previous hash of a tenant's first record.</summary>
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>The member that carries the record's own hash (excluded from the hashed form).</summary>
    public const string HashMember = "hash";

    /// <summary>The canonical text of <paramref name="element"/>, leaving out the top-level member <paramref name="omitMember"/>.</summary>
    public static string Canonicalize(JsonElement element, string? omitMember = null)
    {
        var builder = new StringBuilder(1024);
        Write(builder, element, omitMember);
        return builder.ToString();
    }

    /// <summary>Lowercase hex SHA-256 of the UTF-8 canonical form without <c>hash</c>.</summary>
    public static string ComputeHash(JsonElement record) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonicalize(record, HashMember))));

    private static void Write(StringBuilder builder, JsonElement element, string? omitMember)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var members = new List<JsonProperty>();
                foreach (var property in element.EnumerateObject())
                {
                    if (omitMember is null || !property.NameEquals(omitMember))
                    {
                        members.Add(property);
                    }
                }

                members.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
                builder.Append('{');
                for (var i = 0; i < members.Count; i++)
                {
                    if (i > 0)
                    {
                        if (string.Equals(members[i - 1].Name, members[i].Name, StringComparison.Ordinal))
                        {
                            throw new FormatException($"Duplicate member '{members[i].Name}'.");
                        }

                        builder.Append(',');
                    }

                    WriteString(builder, members[i].Name);
                    builder.Append(':');
                    Write(builder, members[i].Value, null);
                }

                builder.Append('}');
                break;
            case JsonValueKind.Array:
                builder.Append('[');
                var first = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!first)
                    {
                        builder.Append(',');
                    }

                    first = false;
                    Write(builder, item, null);
                }

                builder.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(builder, element.GetString()!);
                break;
            case JsonValueKind.Number:
                builder.Append(element.GetRawText());
                break;
            case JsonValueKind.True:
                builder.Append("true");
                break;
            case JsonValueKind.False:
                builder.Append("false");
                break;
            case JsonValueKind.Null:
                builder.Append("null");
                break;
            default:
                throw new FormatException($"Unexpected JSON value kind {element.ValueKind}.");
        }
    }

    private static void WriteString(StringBuilder builder, string value)
    {
        builder.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '\b':
                    builder.Append("\\b");
                    break;
                case '\f':
                    builder.Append("\\f");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                case < ' ':
                    builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        builder.Append('"');
    }
}

using System.Buffers;
using System.Text;
using System.Text.Json;
using Gateway.Policy.AuditChain;
using Gateway.Policy.Canonical;

namespace Gateway.Audit;

/// <summary>
/// The canonical form the chain hashes, written by the gateway's one <see cref="CanonicalJsonWriter"/>
/// (defined there rather than by a serializer's defaults, so that it never changes with a runtime
/// upgrade): no whitespace; object members sorted by the UTF-8 bytes of their names; duplicate names
/// refused; numbers exactly as written; strings escape only <c>"</c>, <c>\</c> and control characters
/// (<c>\b \f \n \r \t</c>, others <c>\u00xx</c>), everything else literal UTF-8. Journal lines are stored
/// in this form.
/// </summary>
public static class AuditCanonicalJson
{
    /// <summary>64 zeros: the previous hash of a tenant's first record.</summary>
    public const string GenesisHash = AuditChainLink.GenesisHash;

    /// <summary>The member that carries the record's own hash (excluded from the hashed form).</summary>
    public const string HashMember = "hash";

    /// <summary>The canonical text of <paramref name="element"/>, leaving out the top-level member <paramref name="omitMember"/>.</summary>
    /// <exception cref="FormatException">An object repeats a member name, or a string escapes a lone surrogate.</exception>
    public static string Canonicalize(JsonElement element, string? omitMember = null)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        var writer = new CanonicalJsonWriter(buffer);
        if (omitMember is not null && element.ValueKind == JsonValueKind.Object)
        {
            writer.WriteObjectWithout(element, Encoding.UTF8.GetBytes(omitMember));
        }
        else
        {
            writer.WriteElement(element);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Lowercase hex SHA-256 of the UTF-8 canonical form of <paramref name="record"/> (an object) without <c>hash</c>.</summary>
    /// <exception cref="FormatException">An object repeats a member name, or a string escapes a lone surrogate.</exception>
    public static string ComputeHash(JsonElement record)
    {
        if (record.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"An audit record is a JSON object, not {record.ValueKind}.");
        }

        return CanonicalJson.Sha256Hex(record, static (writer, r) => writer.WriteObjectWithout(r, "hash"u8));
    }
}

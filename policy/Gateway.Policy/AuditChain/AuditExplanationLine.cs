using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Gateway.Policy.Canonical;

namespace Gateway.Policy.AuditChain;

/// <summary>
/// A stored explanation (<c>{"digest":…,"explanation":{…},"kind":"explanation","tenant":…}</c>): records refer to
/// the policy's explanation by <c>explanation_digest</c>, the lowercase hex SHA-256 of the explanation's canonical
/// JSON (<see cref="Digest"/>), and the explanation itself is stored once per tenant and digest. In an export the
/// line comes before the first record that refers to it (so the export verifies offline,
/// <see cref="AuditTenantChains.ForExport"/>); the embedded file journal keeps a tenant's explanations as these lines.
/// The stored explanation leaves out its <c>intent_digest</c> member when that equals the record's own
/// <c>intent_digest</c> (the one member that varies with the arguments); readers put it back from the record.
/// </summary>
public static class AuditExplanationLine
{
    /// <summary>The record member that names the explanation by digest.</summary>
    public const string DigestMember = "explanation_digest";

    /// <summary>The line of <paramref name="tenant"/>'s explanation <paramref name="explanation"/> (JSON text as stored) whose digest is <paramref name="digest"/>.</summary>
    public static string Write(string tenant, string digest, string explanation) =>
        "{\"digest\":" + Quote(digest) + ",\"explanation\":" + explanation + ",\"kind\":\"explanation\",\"tenant\":" + Quote(tenant) + "}";

    /// <summary>Whether a parsed line is an explanation line (<c>"kind":"explanation"</c>) rather than a record.</summary>
    public static bool IsExplanation(JsonElement line) =>
        line.ValueKind == JsonValueKind.Object && line.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String && kind.ValueEquals("explanation");

    /// <summary>Reads an explanation line: its tenant, digest and explanation; false when it is anything else, lacks one of them or one is not text.</summary>
    public static bool TryRead(JsonElement line, [NotNullWhen(true)] out string? tenant, [NotNullWhen(true)] out string? digest, out JsonElement explanation)
    {
        tenant = digest = null;
        explanation = default;
        if (!IsExplanation(line)
            || !line.TryGetProperty("tenant", out var tenantElement) || !AuditChainLink.TryReadText(tenantElement, out var tenantText)
            || !line.TryGetProperty("digest", out var digestElement) || !AuditChainLink.TryReadText(digestElement, out var digestText)
            || !line.TryGetProperty("explanation", out explanation))
        {
            return false;
        }

        tenant = tenantText;
        digest = digestText;
        return true;
    }

    /// <summary>The digest a record refers to its explanation by (null for a record with none, or one written before digests).</summary>
    /// <exception cref="FormatException">The record's <c>explanation_digest</c> is not a string, or not text.</exception>
    public static string? ReferencedDigest(JsonElement record)
    {
        if (record.ValueKind != JsonValueKind.Object || !record.TryGetProperty(DigestMember, out var digest))
        {
            return null;
        }

        return AuditChainLink.TryReadText(digest, out var text) ? text : throw new FormatException("explanation_digest is not a string of text");
    }

    /// <summary>Lowercase hex SHA-256 of the canonical JSON of <paramref name="explanation"/>.</summary>
    /// <exception cref="FormatException">An object repeats a member name, or a string escapes a lone surrogate.</exception>
    public static string Digest(JsonElement explanation) => CanonicalJson.Sha256Hex(explanation, static (writer, e) => writer.WriteElement(e));

    /// <summary>
    /// Whether <paramref name="explanation"/> (JSON text as stored) hashes to <paramref name="digest"/>; false when it is
    /// not JSON or not canonicalisable (an altered explanation either way).
    /// </summary>
    public static bool Matches(string explanation, string digest)
    {
        ArgumentNullException.ThrowIfNull(explanation);
        try
        {
            using var document = JsonDocument.Parse(explanation);
            return Matches(document.RootElement, digest);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Whether <paramref name="explanation"/> hashes to <paramref name="digest"/>; false when it is not canonicalisable.</summary>
    public static bool Matches(JsonElement explanation, string digest)
    {
        try
        {
            return string.Equals(Digest(explanation), digest, StringComparison.Ordinal);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    // A JSON string as the serializer's default encoder writes it (as anchor lines have it).
    private static string Quote(string value) => "\"" + JsonEncodedText.Encode(value).Value + "\"";
}

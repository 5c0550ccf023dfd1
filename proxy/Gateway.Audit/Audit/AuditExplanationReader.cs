using System.Buffers;
using System.Text.Json;
using Gateway.Policy.AuditChain;

namespace Gateway.Audit;

/// <summary>
/// Reads a tenant's stored explanations for one read of the journal (each digest fetched once) and shows a record
/// as it was before digests: with <c>explanation</c> put back (its <c>intent_digest</c> from the record's when the
/// stored one left it out) beside <c>explanation_digest</c>. A record standing for several decisions has no
/// <c>intent_digest</c> of its own: its explanation is put back as stored, and each request's is that with the
/// <c>intent_digest</c> of its entry in <c>decisions</c>.
/// </summary>
internal sealed class AuditExplanationReader(IAuditStore store, string tenant)
{
    private static ReadOnlySpan<byte> IntentDigestName => "intent_digest"u8;

    private readonly Dictionary<string, string?> _fetched = new(StringComparer.Ordinal);

    /// <summary>The explanation stored under <paramref name="digest"/> (JSON text as stored), or null when there is none.</summary>
    public async ValueTask<string?> GetAsync(string digest, CancellationToken cancellationToken)
    {
        if (!_fetched.TryGetValue(digest, out var explanation))
        {
            explanation = await store.GetExplanationAsync(tenant, digest, cancellationToken).ConfigureAwait(false);
            _fetched[digest] = explanation;
        }

        return explanation;
    }

    /// <summary>
    /// <paramref name="record"/> with its explanation put back; as it is when it refers to none (or carries it inline),
    /// or when the explanation is not stored or is not a JSON object (<c>audit verify</c> names those).
    /// </summary>
    public async ValueTask<JsonElement> ExpandAsync(JsonElement record, CancellationToken cancellationToken)
    {
        if (record.ValueKind != JsonValueKind.Object || record.TryGetProperty("explanation", out _)
            || !record.TryGetProperty(AuditExplanationLine.DigestMember, out var digest) || !AuditChainLink.TryReadText(digest, out var digestText)
            || await GetAsync(digestText, cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            return record;
        }

        try
        {
            using var explanation = JsonDocument.Parse(stored);
            return explanation.RootElement.ValueKind == JsonValueKind.Object ? Expand(record, explanation.RootElement) : record;
        }
        catch (JsonException)
        {
            return record;
        }
    }

    // The record's members in their order, "explanation" written just before "explanation_digest" (where it sorts).
    private static JsonElement Expand(JsonElement record, JsonElement explanation)
    {
        var intentDigest = record.TryGetProperty("intent_digest", out var intent) && intent.ValueKind == JsonValueKind.String && !explanation.TryGetProperty(IntentDigestName, out _)
            ? intent
            : (JsonElement?)null;
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var member in record.EnumerateObject())
            {
                if (member.NameEquals(AuditExplanationLine.DigestMember))
                {
                    writer.WritePropertyName("explanation");
                    WriteExplanation(writer, explanation, intentDigest);
                }

                member.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    // The stored explanation's members in their (sorted) order, with the record's intent_digest where it sorts.
    private static void WriteExplanation(Utf8JsonWriter writer, JsonElement explanation, JsonElement? intentDigest)
    {
        writer.WriteStartObject();
        foreach (var member in explanation.EnumerateObject())
        {
            if (intentDigest is { } pending && string.CompareOrdinal(member.Name, "intent_digest") > 0)
            {
                writer.WritePropertyName(IntentDigestName);
                pending.WriteTo(writer);
                intentDigest = null;
            }

            member.WriteTo(writer);
        }

        if (intentDigest is { } last)
        {
            writer.WritePropertyName(IntentDigestName);
            last.WriteTo(writer);
        }

        writer.WriteEndObject();
    }
}

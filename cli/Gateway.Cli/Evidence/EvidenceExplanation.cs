using System.Buffers;
using System.Text.Json;
using Gateway.Policy.AuditChain;
using Gateway.Policy.Canonical;

namespace Gateway.Cli.Evidence;

/// <summary>
/// An evidence pack's <c>explanations/&lt;digest&gt;.json</c>: the explanation as the gateway stored it and digested it
/// (<see cref="AuditExplanationLine"/>), that is a record's explanation less its top-level <c>intent_digest</c> when that
/// equals the record's own (the one member that varies with the arguments, so records that share an explanation but
/// not their arguments share the file). The file hashes to its name, which the proven record names; each record's
/// explanation less its own <c>intent_digest</c> must equal it.
/// </summary>
internal static class EvidenceExplanation
{
    private static ReadOnlySpan<byte> IntentDigestName => "intent_digest"u8;

    /// <summary>The stored form of <paramref name="explanation"/>, the explanation of <paramref name="record"/>, as canonical JSON.</summary>
    /// <exception cref="FormatException">It repeats a member name, or a string escapes a lone surrogate.</exception>
    public static byte[] StoredForm(JsonElement record, JsonElement explanation)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        var writer = new CanonicalJsonWriter(buffer);
        if (OwnIntentDigest(record, explanation))
        {
            writer.WriteObjectWithout(explanation, IntentDigestName);
        }
        else
        {
            writer.WriteElement(explanation);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Whether the stored explanation <paramref name="stored"/> (a pack's file) hashes to <paramref name="digest"/>.</summary>
    public static bool HashesTo(JsonElement stored, string digest) => AuditExplanationLine.Matches(stored, digest);

    /// <summary>Whether <paramref name="record"/>'s <paramref name="explanation"/>, less its own intent digest, is <paramref name="stored"/>.</summary>
    public static bool Matches(JsonElement record, JsonElement explanation, JsonElement stored)
    {
        try
        {
            using var form = JsonDocument.Parse(StoredForm(record, explanation));
            return JsonElement.DeepEquals(form.RootElement, stored);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    // Whether the explanation's top-level intent_digest is the record's own (the gateway stores it without).
    private static bool OwnIntentDigest(JsonElement record, JsonElement explanation) =>
        explanation.ValueKind == JsonValueKind.Object
        && explanation.TryGetProperty(IntentDigestName, out var inExplanation) && inExplanation.ValueKind == JsonValueKind.String
        && record.TryGetProperty(IntentDigestName, out var inRecord) && inRecord.ValueKind == JsonValueKind.String
        && string.Equals(inExplanation.GetString(), inRecord.GetString(), StringComparison.Ordinal);
}

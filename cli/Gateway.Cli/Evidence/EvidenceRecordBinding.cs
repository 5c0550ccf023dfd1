using System.Buffers;
using System.Text.Json;
using Gateway.Policy.AuditChain;
using Gateway.Policy.Canonical;

namespace Gateway.Cli.Evidence;

/// <summary>
/// A pack's record against its proven line: the record is the line as the audit query returns it, member for member
/// (each value equal as canonical JSON, nothing missing, nothing added), the one member it may add being the
/// <c>explanation</c> the query resolves from the line's <c>explanation_digest</c> (checked apart: it must hash to that digest).
/// </summary>
internal static class EvidenceRecordBinding
{
    /// <summary>The member the query adds beside a line's <c>explanation_digest</c>: the explanation stored under it.</summary>
    public const string ExplanationMember = "explanation";

    /// <summary>
    /// Null when the stored <paramref name="line"/> is sealed: a record whose content (its canonical form less
    /// <c>hash</c>, every member once) hashes to its <c>hash</c>, as the journal wrote it and <c>audit verify</c> checks it;
    /// otherwise why not.
    /// </summary>
    public static string? Unsealed(string line)
    {
        if (!AuditChainLink.TryParse(line, out var document, out var seq, out _, out var replica, out var hash, out var malformed))
        {
            return $"{malformed.Reason}: {malformed.Detail}";
        }

        using (document)
        {
            if (seq < 1)
            {
                return $"{AuditBreakReasons.MalformedRecord}: seq {seq}";
            }

            // The line's own prev_hash as the link before it: what is checked here is its seal (the links, where the pack
            // holds both records, apart).
            var root = document.RootElement;
            var previous = root.TryGetProperty("prev_hash", out var link) && link.ValueKind == JsonValueKind.String && link.GetString() is { Length: > 0 } named
                ? named
                : AuditChainLink.GenesisHash;
            return new AuditChainLink(replica, seq - 1, previous).Follow(root, seq, hash) is { } broken ? $"{broken.Reason}: {broken.Detail}" : null;
        }
    }

    /// <summary>How <paramref name="record"/> differs from its proven <paramref name="line"/>, one phrase a member (none when it is the line).</summary>
    public static List<string> Differences(JsonElement record, JsonElement line)
    {
        var differences = new List<string>();
        if (record.ValueKind != JsonValueKind.Object || line.ValueKind != JsonValueKind.Object)
        {
            differences.Add("it is not a JSON object");
            return differences;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in record.EnumerateObject())
        {
            if (!names.Add(member.Name))
            {
                differences.Add($"{member.Name} appears twice");
            }
            else if (line.TryGetProperty(member.Name, out var proven))
            {
                if (!SameValue(member.Value, proven))
                {
                    differences.Add($"{member.Name} differs from the proven record");
                }
            }
            else if (!(member.NameEquals(ExplanationMember) && Digest(line) is not null))
            {
                differences.Add(member.NameEquals(ExplanationMember)
                    ? $"{member.Name} is not in the proven record, which names no {AuditExplanationLine.DigestMember}"
                    : $"{member.Name} is not in the proven record");
            }
        }

        foreach (var member in line.EnumerateObject())
        {
            if (!names.Contains(member.Name))
            {
                differences.Add($"{member.Name} is missing (the proven record has it)");
            }
        }

        return differences;
    }

    /// <summary>The explanation the pack added beside the line's digest (null when the record carries none, or the line holds its own).</summary>
    public static JsonElement? AddedExplanation(JsonElement record, JsonElement line) =>
        record.ValueKind == JsonValueKind.Object && line.ValueKind == JsonValueKind.Object && Digest(line) is not null
        && !line.TryGetProperty(ExplanationMember, out _) && record.TryGetProperty(ExplanationMember, out var explanation)
            ? explanation
            : null;

    /// <summary>The line's <c>explanation_digest</c> when it is a string, else null.</summary>
    public static string? Digest(JsonElement line) =>
        line.TryGetProperty(AuditExplanationLine.DigestMember, out var digest) && digest.ValueKind == JsonValueKind.String ? digest.GetString() : null;

    /// <summary>Whether the record's <paramref name="explanation"/>, as the gateway stores it, hashes to <paramref name="digest"/>.</summary>
    public static bool HashesTo(JsonElement record, JsonElement explanation, string digest)
    {
        try
        {
            // The stored form is canonical JSON already: its digest is its SHA-256.
            return string.Equals(EvidencePack.Sha256(EvidenceExplanation.StoredForm(record, explanation)), digest, StringComparison.Ordinal);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    // Equal as canonical JSON (numbers as written, strings unescaped, members sorted); a value that is not canonicalisable
    // (a repeated name, a lone surrogate) is equal only to the same text.
    private static bool SameValue(JsonElement a, JsonElement b)
    {
        try
        {
            return Canonical(a).AsSpan().SequenceEqual(Canonical(b));
        }
        catch (FormatException)
        {
            return string.Equals(a.GetRawText(), b.GetRawText(), StringComparison.Ordinal);
        }
    }

    private static byte[] Canonical(JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        new CanonicalJsonWriter(buffer).WriteElement(value);
        return buffer.WrittenSpan.ToArray();
    }
}

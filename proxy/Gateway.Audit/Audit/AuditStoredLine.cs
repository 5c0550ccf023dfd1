using System.Text.Json;
using Gateway.Policy.AuditChain;

namespace Gateway.Audit;

/// <summary>What the journal reads of a stored record's line without checking it: its time, its explanation's digest, its hash.</summary>
internal static class AuditStoredLine
{
    /// <summary>A stored line's time; null when it has none or is not JSON.</summary>
    public static DateTimeOffset? Time(string line) => TimeAndDigest(line).Time;

    /// <summary>A stored line's seq; null when it has none or is not JSON.</summary>
    public static long? Seq(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("seq", out var seq) && seq.ValueKind == JsonValueKind.Number
                && seq.TryGetInt64(out var value) ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// A stored line's time (null when it has none that reads as one: no string, not a time, not JSON) and the explanation
    /// digest it refers to (null for none, or one that is not text). An edit of either breaks the line's seal, which the
    /// chain check names; here neither throws.
    /// </summary>
    public static (DateTimeOffset? Time, string? Digest) TimeAndDigest(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            DateTimeOffset? time = root.TryGetProperty("time", out var member) && member.ValueKind == JsonValueKind.String
                && member.TryGetDateTimeOffset(out var value) ? value : null;
            var digest = root.TryGetProperty(AuditExplanationLine.DigestMember, out var reference) && AuditChainLink.TryReadText(reference, out var text) ? text : null;
            return (time, digest);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    /// <summary>
    /// The end of a chain of <paramref name="length"/> records whose last stored line is <paramref name="line"/>: that
    /// record's hash and its time (<see cref="AuditTip.LastTime"/>, null when it has none).
    /// </summary>
    /// <exception cref="InvalidDataException">The line has no hash: the chain cannot be extended.</exception>
    /// <exception cref="JsonException">The line is not JSON.</exception>
    public static AuditTip TipAt(long length, string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty(AuditCanonicalJson.HashMember, out var hash) || hash.ValueKind != JsonValueKind.String)
        {
            throw new InvalidDataException("The last audit record has no hash; the chain cannot be extended.");
        }

        DateTimeOffset? time = root.TryGetProperty("time", out var member) && member.ValueKind == JsonValueKind.String
            && member.TryGetDateTimeOffset(out var value) ? value : null;
        return new AuditTip(length, hash.GetString()!) { LastTime = time };
    }

    /// <summary>
    /// The hash of record <paramref name="seq"/>, the last a retirement retires (the anchor); throws when
    /// <paramref name="line"/> is not that record or not sealed (its content does not hash to its hash: edited), so that a
    /// damaged chain is never anchored over. The retention job checks every record it retires before (<see cref="AuditRetention"/>);
    /// this is the sink's own last check of the one the anchor takes. <paramref name="source"/> names where it was read.
    /// </summary>
    public static string AnchorHash(string line, long seq, string source)
    {
        if (AuditChainLink.TryParse(line, out var document, out var recordSeq, out _, out _, out var hash, out _))
        {
            using (document)
            {
                if (recordSeq == seq && IsSealed(document.RootElement, hash))
                {
                    return hash;
                }
            }
        }

        throw new InvalidDataException($"The audit journal {source} does not hold record {seq}, sealed, where its chain puts it; nothing retired (run audit verify).");
    }

    // Whether the record's content (its canonical form without hash) hashes to its hash.
    private static bool IsSealed(JsonElement record, string hash)
    {
        try
        {
            return string.Equals(AuditCanonicalJson.ComputeHash(record), hash, StringComparison.Ordinal);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

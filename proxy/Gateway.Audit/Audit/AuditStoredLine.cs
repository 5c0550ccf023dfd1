using System.Text.Json;
using Gateway.Policy.AuditChain;

namespace Gateway.Audit;

/// <summary>What the journal reads of a stored record's line without checking it: its time and its explanation's digest.</summary>
internal static class AuditStoredLine
{
    /// <summary>A stored line's time; null when it has none or is not JSON.</summary>
    public static DateTimeOffset? Time(string line) => TimeAndDigest(line).Time;

    /// <summary>A stored line's time (null when it has none or is not JSON) and the explanation digest it refers to (null for none).</summary>
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

            DateTimeOffset? time = root.TryGetProperty("time", out var member) && member.TryGetDateTimeOffset(out var value) ? value : null;
            var digest = root.TryGetProperty(AuditExplanationLine.DigestMember, out var reference) && reference.ValueKind == JsonValueKind.String ? reference.GetString() : null;
            return (time, digest);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }
}

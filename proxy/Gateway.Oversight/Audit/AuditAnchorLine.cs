using System.Globalization;
using System.Text.Json;

namespace Gateway.Oversight.Audit;

/// <summary>
/// The anchor line (<c>{"anchor":true,"hash":…,"replica":…,"seq":N,"tenant":…}</c>): records 1..N of the
/// partition were retired and <c>hash</c> is record N's. It starts an export of an anchored chain (so that the
/// export verifies offline) and the embedded file journal of a chain after retention.
/// </summary>
internal static class AuditAnchorLine
{
    /// <summary>The anchor line of <paramref name="partition"/> at <paramref name="anchor"/>.</summary>
    public static string Write(AuditPartition partition, AuditTip anchor) =>
        "{\"anchor\":true,\"hash\":" + JsonSerializer.Serialize(anchor.LastHash, OversightJsonContext.Default.String)
        + ",\"replica\":" + JsonSerializer.Serialize(partition.Replica, OversightJsonContext.Default.String)
        + ",\"seq\":" + anchor.Length.ToString(CultureInfo.InvariantCulture)
        + ",\"tenant\":" + JsonSerializer.Serialize(partition.Tenant, OversightJsonContext.Default.String) + "}";

    /// <summary>Reads <paramref name="line"/> as the anchor line of <paramref name="partition"/>; false when it is anything else (a record).</summary>
    public static bool TryRead(string line, AuditPartition partition, out AuditTip anchor)
    {
        anchor = AuditTip.Genesis;
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("anchor", out var flag) || flag.ValueKind != JsonValueKind.True
                || !root.TryGetProperty("seq", out var seq) || seq.ValueKind != JsonValueKind.Number || !seq.TryGetInt64(out var length) || length < 1
                || !root.TryGetProperty(AuditCanonicalJson.HashMember, out var hash) || hash.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("tenant", out var tenant) || !tenant.ValueEquals(partition.Tenant)
                || !root.TryGetProperty("replica", out var replica) || !replica.ValueEquals(partition.Replica))
            {
                return false;
            }

            anchor = new AuditTip(length, hash.GetString()!);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}

using System.Globalization;
using System.Text.Json;

namespace Gateway.Policy.AuditChain;

/// <summary>
/// The anchor line (<c>{"anchor":true,"hash":…,"replica":…,"seq":N,"tenant":…}</c>): records 1..N of a tenant's
/// chain of one replica were retired and <c>hash</c> is record N's. It starts an export of an anchored chain (so that
/// the export verifies offline, <see cref="AuditTenantChains.ForExport"/>) and the embedded file journal of a chain
/// after retention.
/// </summary>
public static class AuditAnchorLine
{
    /// <summary>The anchor line of <paramref name="tenant"/>'s chain of <paramref name="replica"/> after record <paramref name="seq"/>, whose hash is <paramref name="hash"/>.</summary>
    public static string Write(string tenant, string replica, long seq, string hash) =>
        "{\"anchor\":true,\"hash\":" + Quote(hash)
        + ",\"replica\":" + Quote(replica)
        + ",\"seq\":" + seq.ToString(CultureInfo.InvariantCulture)
        + ",\"tenant\":" + Quote(tenant) + "}";

    /// <summary>Whether a parsed stored line is an anchor line (<c>"anchor":true</c>) rather than a record.</summary>
    public static bool IsAnchor(JsonElement line) =>
        line.ValueKind == JsonValueKind.Object && line.TryGetProperty("anchor", out var flag) && flag.ValueKind == JsonValueKind.True;

    /// <summary>
    /// Reads <paramref name="line"/> as the anchor line of <paramref name="tenant"/>'s chain of <paramref name="replica"/>
    /// (seq at least 1); false when it is anything else (a record, another chain's anchor, not JSON).
    /// </summary>
    public static bool TryRead(string line, string tenant, string replica, out long seq, out string hash)
    {
        if (!AuditChainLink.TryParse(line, out var document, out seq, out var lineTenant, out var lineReplica, out hash, out _))
        {
            return false;
        }

        using (document)
        {
            return IsAnchor(document.RootElement) && seq >= 1
                && string.Equals(lineTenant, tenant, StringComparison.Ordinal)
                && string.Equals(lineReplica, replica, StringComparison.Ordinal);
        }
    }

    // A JSON string as the serializer's default encoder writes it (the form anchor lines have always had).
    private static string Quote(string value) => "\"" + JsonEncodedText.Encode(value).Value + "\"";
}

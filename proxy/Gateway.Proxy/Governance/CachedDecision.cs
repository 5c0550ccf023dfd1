using System.Text;
using Gateway.Policy;

namespace Gateway.Proxy.Governance;

/// <summary>
/// The decision-cache value: <c>v1|&lt;decision&gt;|&lt;token&gt;|&lt;explanation JSON&gt;</c>. Keyed by
/// tenant, agent, intent digest and policy digest (<see cref="Gateway.Store.StoreKeys.Decision"/>), so a
/// policy change misses the cache by construction.
/// </summary>
internal static class CachedDecision
{
    private const string Version = "v1";

    public static string Format(DecisionKind kind, string token, ReadOnlyMemory<byte> explanationJson) =>
        string.Join('|', Version, WireNames.Of(kind), token, Encoding.UTF8.GetString(explanationJson.Span));

    public static bool TryParse(string value, out (DecisionKind Kind, string Token, byte[] ExplanationJson) entry)
    {
        entry = default;
        var parts = value.Split('|', 4);
        if (parts.Length != 4 || parts[0] != Version || !WireNames.TryParse<DecisionKind>(parts[1], out var kind)
            || kind is not (DecisionKind.Allow or DecisionKind.AllowAndLog or DecisionKind.Degrade))
        {
            return false;
        }

        entry = (kind, parts[2], Encoding.UTF8.GetBytes(parts[3]));
        return true;
    }
}

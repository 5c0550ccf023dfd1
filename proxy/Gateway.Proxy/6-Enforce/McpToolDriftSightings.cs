using Gateway.Policy;
using Gateway.Proxy.Mcp;

namespace Gateway.Proxy.Enforce;

/// <summary>
/// The pinned tools a <c>tools/list</c> answer on the provider route served with a definition other than the one pinned:
/// the plan's filter hides them and notes them here while the answer streams (a transform never writes to the store);
/// the Respond stage opens their incidents once the answer is done.
/// </summary>
internal sealed class McpToolDriftSightings
{
    private readonly List<(CatalogEntry Entry, McpToolPin Pin)> _seen = [];
    private readonly Lock _gate = new();

    public void Add(CatalogEntry entry, McpToolPin pin)
    {
        lock (_gate)
        {
            _seen.Add((entry, pin));
        }
    }

    /// <summary>What was seen, in order.</summary>
    public IReadOnlyList<(CatalogEntry Entry, McpToolPin Pin)> Seen()
    {
        lock (_gate)
        {
            return [.. _seen];
        }
    }
}

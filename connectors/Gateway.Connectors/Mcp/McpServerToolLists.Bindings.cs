using Gateway.Policy;

namespace Gateway.Connectors.Mcp;

/// <summary>
/// Which credential binding (<see cref="McpToolListCache.CredentialBinding"/>) a server's session is opened with while a
/// bundle that changes it is being applied, when calls decided on the old bundle (they hold its server definition) and on
/// the new one run side by side. Per tenant, server, endpoint and person the newest binding keeps its session: a binding
/// not seen before replaces the one in use (whose session is closed), and a binding so replaced is not opened again until
/// a later bundle is applied (<see cref="Invalidate"/>, which may bring it back). The sessions do not flip between the
/// two, and the old credential is not sent again once the new one is in use.
/// </summary>
public sealed partial class McpServerToolLists
{
    // Bumped by Invalidate, which runs before a new bundle is in force (PolicyProvider.Applying): a binding replaced since
    // the last bump belongs to an older bundle than the one that replaced it.
    private long _bundles;

    private readonly Lock _bindings = new();

    /// <summary>The session of <paramref name="server"/>'s binding at <paramref name="endpoint"/> for <paramref name="person"/>; a refused one (<see cref="Upstream.Refused"/>) for a replaced binding.</summary>
    private Upstream UpstreamOf(string tenant, CatalogEntry server, Uri endpoint, string? person = null)
    {
        var key = (Tenant: tenant, Server: server.Name, Endpoint: endpoint, Person: person, Binding: McpToolListCache.CredentialBinding(server));
        if (_upstreams.TryGetValue(key, out var known))
        {
            return known;
        }

        Upstream upstream;
        List<Upstream> replaced = [];
        lock (_bindings)
        {
            if (_upstreams.TryGetValue(key, out known))
            {
                return known;
            }

            var bundle = Volatile.Read(ref _bundles);
            var others = _upstreams
                .Where(pair => pair.Key.Tenant == key.Tenant && pair.Key.Server == key.Server && pair.Key.Endpoint == key.Endpoint && pair.Key.Person == key.Person)
                .Select(static pair => pair.Value)
                .ToList();

            // Fail closed, as a call whose session was closed does (Evicted): an old bundle's call never resends a replaced credential.
            if (others.Any(other => other.Replaced.TryGetValue(key.Binding, out var at) && at == bundle))
            {
                return new Upstream(key.Tenant, key.Server, key.Endpoint, key.Person, key.Binding) { Evicted = true, Refused = true };
            }

            var superseded = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var other in others)
            {
                foreach (var (binding, at) in other.Replaced)
                {
                    if (at == bundle)
                    {
                        superseded[binding] = at;
                    }
                }

                superseded[other.Binding] = bundle;
            }

            upstream = new Upstream(key.Tenant, key.Server, key.Endpoint, key.Person, key.Binding) { LastUsed = _time.GetTimestamp(), Replaced = superseded };
            _upstreams[key] = upstream;
            foreach (var other in others)
            {
                if (_upstreams.TryRemove(KeyValuePair.Create((key.Tenant, key.Server, key.Endpoint, key.Person, other.Binding), other)))
                {
                    replaced.Add(other);
                }
            }
        }

        foreach (var other in replaced)
        {
            _ = RetireAsync(other);
        }

        return upstream;
    }
}

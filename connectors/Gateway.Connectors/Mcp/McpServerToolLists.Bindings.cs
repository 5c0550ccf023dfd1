using Gateway.Policy;

namespace Gateway.Connectors.Mcp;

/// <summary>
/// Which credential binding (<see cref="McpToolListCache.CredentialBinding"/>) a server's session is opened with while a
/// bundle that changes it is being applied, when calls decided on the old bundle (they hold its server definition) and on
/// the new one run side by side: only the binding of the policy in force (the constructor's <c>inForce</c>). Per tenant,
/// server, endpoint and person that binding's session replaces any other (whose session is closed); a call with another
/// binding, or for a server the policy in force no longer has, is refused and closes nothing, however many bundles were
/// applied since it was decided. The old credential is not sent again once a bundle has taken it out of force.
/// </summary>
public sealed partial class McpServerToolLists
{
    private readonly Lock _bindings = new();

    /// <summary>The session of <paramref name="server"/>'s binding at <paramref name="endpoint"/> for <paramref name="person"/>; a refused one (<see cref="Upstream.Refused"/>) for a binding not in force.</summary>
    private Upstream UpstreamOf(string tenant, CatalogEntry server, Uri endpoint, string? person = null)
    {
        var key = (Tenant: tenant, Server: server.Name, Endpoint: endpoint, Person: person, Binding: McpToolListCache.CredentialBinding(server));
        if (!InForce(tenant, server, key.Binding))
        {
            return Refused();
        }

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

            // Asked again under the lock: a bundle applied since the check above decides, and the sessions opened here follow the bundles' order.
            if (!InForce(tenant, server, key.Binding))
            {
                return Refused();
            }

            upstream = new Upstream(key.Tenant, key.Server, key.Endpoint, key.Person, key.Binding) { LastUsed = _time.GetTimestamp() };
            _upstreams[key] = upstream;
            foreach (var pair in _upstreams)
            {
                if (pair.Key.Tenant == key.Tenant && pair.Key.Server == key.Server && pair.Key.Endpoint == key.Endpoint && pair.Key.Person == key.Person
                    && pair.Key.Binding != key.Binding && _upstreams.TryRemove(pair))
                {
                    replaced.Add(pair.Value);
                }
            }
        }

        foreach (var other in replaced)
        {
            _ = RetireAsync(other);
        }

        return upstream;

        // Fail closed, as a call whose session was closed does (Evicted): a binding out of force is never sent again.
        Upstream Refused() => new(key.Tenant, key.Server, key.Endpoint, key.Person, key.Binding) { Evicted = true, Refused = true };
    }

    /// <summary>Whether <paramref name="binding"/> (<paramref name="server"/>'s) is the one the policy in force gives the tenant's server; any binding when no policy is consulted.</summary>
    private bool InForce(string tenant, CatalogEntry server, string binding) =>
        _inForce is null
        || (_inForce(tenant, server.Name) is { } current
            && (ReferenceEquals(current, server) || string.Equals(McpToolListCache.CredentialBinding(current), binding, StringComparison.Ordinal)));
}

using Gateway.Proxy.Bundle;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// A bundle applied reaches only the tenants whose policy it changes: those whose policy digest differs from the one in
/// force, and those it adds or removes. Their servers' listings are read again and their sessions told that their tools
/// changed; every other tenant keeps its listings, and its sessions are told nothing (one tenant's edit costs the others
/// nothing, and says nothing to them).
/// </summary>
internal sealed partial class McpSessions
{
    // The tenants the bundle being applied changes: set while it is applying, taken once it is applied (reloads run one at a time).
    private IReadOnlySet<string>? _changing;

    /// <summary>The tenants whose policy differs between <paramref name="previous"/> (null: none in force yet) and <paramref name="next"/>: changed, added or removed.</summary>
    internal static IReadOnlySet<string> ChangedTenants(PolicySnapshot? previous, PolicySnapshot next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var before = previous?.Set.Tenants;
        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (slug, tenant) in next.Set.Tenants)
        {
            if (before is null || !before.TryGetValue(slug, out var old) || !string.Equals(old.Digest, tenant.Digest, StringComparison.Ordinal))
            {
                changed.Add(slug);
            }
        }

        foreach (var slug in before?.Keys ?? [])
        {
            if (!next.Set.Tenants.ContainsKey(slug))
            {
                changed.Add(slug);
            }
        }

        return changed;
    }

    // Before the new policy is in force (the one it replaces still is): the servers' listings of the tenants it changes are read again.
    private void OnPolicyApplying(PolicySnapshot snapshot)
    {
        var changed = ChangedTenants(_policy.Current, snapshot);
        Volatile.Write(ref _changing, changed);
        _servers.Invalidate(changed);
    }

    // Once it is in force: those tenants' sessions are told, so that their next listing reads it (every session, when what changed is not known).
    private void OnPolicyApplied(PolicySnapshot snapshot)
    {
        var changed = Interlocked.Exchange(ref _changing, null);
        _ = NotifyToolsChangedAsync(null, changed is null ? null : session => changed.Contains(session.Tenant));
    }
}

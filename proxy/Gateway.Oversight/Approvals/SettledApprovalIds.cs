using System.Collections.Concurrent;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// The ids of each tenant's requests this replica knows to be settled or gone, neither of which changes: the pending list
/// and the pending count skip them without reading the store. Per tenant it holds at most <c>capPerTenant</c> ids (it is
/// emptied when one more would pass it, and kept to the ids still listed), so at worst a request is read once more.
/// Thread-safe: the pending list's readers and the gauge's count share it.
/// </summary>
internal sealed class SettledApprovalIds(int capPerTenant)
{
    private readonly ConcurrentDictionary<string, HashSet<string>> _tenants = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="id"/> of <paramref name="tenant"/> is known settled or gone.</summary>
    public bool Contains(string tenant, string id)
    {
        if (!_tenants.TryGetValue(tenant, out var ids))
        {
            return false;
        }

        lock (ids)
        {
            return ids.Contains(id);
        }
    }

    /// <summary>Remembers that <paramref name="id"/> of <paramref name="tenant"/> is settled or gone.</summary>
    public void Add(string tenant, string id)
    {
        var ids = _tenants.GetOrAdd(tenant, static _ => new HashSet<string>(StringComparer.Ordinal));
        lock (ids)
        {
            if (ids.Count >= capPerTenant && !ids.Contains(id))
            {
                ids.Clear();
            }

            ids.Add(id);
        }
    }

    /// <summary>Forgets the tenant's ids that are not among <paramref name="listed"/> (they left its window).</summary>
    public void KeepOnly(string tenant, IEnumerable<string> listed)
    {
        if (_tenants.TryGetValue(tenant, out var ids))
        {
            lock (ids)
            {
                ids.IntersectWith(listed);
            }
        }
    }
}

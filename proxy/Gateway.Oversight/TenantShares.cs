namespace Gateway.Oversight;

/// <summary>How many places of a shared outbox each tenant holds, at most <see cref="Limit"/> each; not thread-safe (callers hold their outbox's lock).</summary>
internal sealed class TenantShares(int limit)
{
    private readonly Dictionary<string, int> _held = new(StringComparer.Ordinal);

    /// <summary>The most places one tenant may hold.</summary>
    public int Limit { get; } = limit;

    /// <summary>Whether <paramref name="tenant"/> may hold one more place.</summary>
    public bool HasRoom(string tenant) => _held.GetValueOrDefault(tenant) < Limit;

    /// <summary>One more place held by <paramref name="tenant"/>.</summary>
    public void Take(string tenant) => _held[tenant] = _held.GetValueOrDefault(tenant) + 1;

    /// <summary>One place fewer held by <paramref name="tenant"/>.</summary>
    public void Release(string tenant)
    {
        var held = _held.GetValueOrDefault(tenant) - 1;
        if (held > 0)
        {
            _held[tenant] = held;
        }
        else
        {
            _held.Remove(tenant);
        }
    }
}

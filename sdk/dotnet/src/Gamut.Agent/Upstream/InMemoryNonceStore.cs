namespace Gamut.Agent.Upstream;

/// <summary>The nonces of one receiver process, each kept until its retention ends (expired ones are swept as more arrive).</summary>
public sealed class InMemoryNonceStore : INonceStore
{
    private const int MinimumSweepThreshold = 1024;

    private readonly Dictionary<string, DateTimeOffset> _expiries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private int _sweepThreshold = MinimumSweepThreshold;

    public InMemoryNonceStore(TimeProvider? timeProvider = null) => _time = timeProvider ?? TimeProvider.System;

    /// <inheritdoc/>
    public ValueTask<bool> TryRememberAsync(string tenant, string agent, string nonce, TimeSpan retention, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(nonce);
        var key = string.Join('\n', tenant, agent, nonce);
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (_expiries.Count >= _sweepThreshold)
            {
                foreach (var expired in _expiries.Where(e => e.Value <= now).Select(e => e.Key).ToList())
                {
                    _expiries.Remove(expired);
                }

                _sweepThreshold = Math.Max(MinimumSweepThreshold, _expiries.Count * 2);
            }

            if (_expiries.TryGetValue(key, out var expires) && expires > now)
            {
                return ValueTask.FromResult(false);
            }

            _expiries[key] = now + retention;
            return ValueTask.FromResult(true);
        }
    }
}

using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gateway.Store;

/// <summary>
/// Refuses a Redis that may evict the gateway's keys: with a memory limit (<c>maxmemory</c>) and any
/// <c>maxmemory-policy</c> but <c>noeviction</c>, Redis drops keys under memory pressure (nonces, so a replay is
/// accepted; rate-limit windows; kill switches; revocation marks) where the gateway must be refused a write instead.
/// Read with <c>INFO memory</c> from every primary of a connection before its first call is served, again after a
/// refusal at most every <see cref="RecheckAfter"/>, and, while calls are served, every <see cref="RecheckServedEvery"/>
/// off their path (a policy changed later, a primary that joined a cluster since); <see cref="RedisStoreOptions.AllowEviction"/>
/// turns it off.
/// </summary>
internal sealed class RedisEvictionCheck
{
    /// <summary>How long a refusal stands before a call asks the servers again (an operator may have fixed the policy).</summary>
    public static readonly TimeSpan RecheckAfter = TimeSpan.FromSeconds(5);

    /// <summary>How long a served connection's check stands before a call starts another in the background.</summary>
    public static readonly TimeSpan RecheckServedEvery = TimeSpan.FromSeconds(30);

    private const string SafePolicy = "noeviction";
    private const string InfoScript = "return redis.call('INFO', 'memory')";

    private readonly bool _allowed;
    private readonly string _endpoint;
    private readonly ILogger _logger;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private volatile IConnectionMultiplexer? _verified;
    private volatile Refusal? _refusal;
    private long _verifiedAt;
    private int _rechecking;

    public RedisEvictionCheck(RedisStoreOptions options, ILogger logger, TimeProvider time)
    {
        _allowed = options.AllowEviction;
        _endpoint = options.Description;
        _logger = logger;
        _timeout = options.ConnectTimeout + options.CommandTimeout;
        _time = time;
    }

    /// <summary>
    /// True when calls may be served on <paramref name="multiplexer"/>: checked, or the check is off; a check older than
    /// <see cref="RecheckServedEvery"/> starts another in the background and stands until it finds a primary that may evict.
    /// </summary>
    public bool IsVerified(IConnectionMultiplexer multiplexer)
    {
        if (_allowed)
        {
            return true;
        }

        if (!ReferenceEquals(_verified, multiplexer))
        {
            return false;
        }

        if (_time.GetElapsedTime(Volatile.Read(ref _verifiedAt)) >= RecheckServedEvery && Interlocked.Exchange(ref _rechecking, 1) == 0)
        {
            _ = RecheckAsync(multiplexer);
        }

        return true;
    }

    /// <summary>
    /// Completes when <paramref name="multiplexer"/>'s primaries keep every key; throws
    /// <see cref="StateStoreUnavailableException"/> when one may evict, or when they could not be asked.
    /// </summary>
    public ValueTask EnsureAsync(IConnectionMultiplexer multiplexer, CancellationToken cancellationToken)
    {
        if (IsVerified(multiplexer))
        {
            return default;
        }

        if (_refusal is { } refusal && ReferenceEquals(refusal.Multiplexer, multiplexer) && _time.GetUtcNow() - refusal.At < RecheckAfter)
        {
            return ValueTask.FromException(refusal.Error);
        }

        return new ValueTask(CheckAsync(multiplexer, cancellationToken));
    }

    private async Task CheckAsync(IConnectionMultiplexer multiplexer, CancellationToken cancellationToken)
    {
        var primaries = multiplexer.GetServers().Where(static s => s.IsConnected && !s.IsReplica).ToList();
        if (primaries.Count == 0)
        {
            throw new StateStoreUnavailableException($"Redis at {_endpoint} has no connected primary to read its eviction policy from.");
        }

        foreach (var primary in primaries)
        {
            string info;
            try
            {
                // INFO from a script: StackExchange.Redis sends INFO itself only in its admin mode, which the gateway leaves off.
                info = (string?)await primary.ExecuteAsync("EVAL", InfoScript, 0).WaitAsync(_timeout, _time, cancellationToken).ConfigureAwait(false) ?? string.Empty;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                throw new StateStoreUnavailableException($"Redis at {_endpoint} did not answer INFO memory ({primary.EndPoint}), so its eviction policy is unknown: {ex.Message}", ex);
            }

            var fields = Fields(info);
            fields.TryGetValue("maxmemory_policy", out var policy);
            var limited = !fields.TryGetValue("maxmemory", out var maxmemory) || maxmemory != "0";
            if (limited && !string.Equals(policy, SafePolicy, StringComparison.Ordinal))
            {
                var error = new StateStoreUnavailableException(
                    $"Redis at {_endpoint} ({primary.EndPoint}) may evict keys (maxmemory {maxmemory ?? "unknown"}, maxmemory-policy {policy ?? "unknown"}): " +
                    "nonces, rate limits, kill switches and revocation marks would be lost under memory pressure. Set maxmemory-policy noeviction, or " +
                    "Gateway:Store:Redis:AllowEviction=true to accept that risk.");
                _refusal = new Refusal(multiplexer, error, _time.GetUtcNow());
                RedisConnectionLog.EvictionRefused(_logger, _endpoint, error.Message);
                throw error;
            }
        }

        _refusal = null;
        Volatile.Write(ref _verifiedAt, _time.GetTimestamp());
        _verified = multiplexer;
    }

    /// <summary>
    /// The background check of a served connection: a primary that may evict refuses every call from then on, as at the
    /// first check; one that cannot be asked now leaves the connection served (its calls fail on their own while Redis
    /// is down) and is asked again after <see cref="RecheckServedEvery"/>.
    /// </summary>
    private async Task RecheckAsync(IConnectionMultiplexer multiplexer)
    {
        try
        {
            await CheckAsync(multiplexer, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StateStoreUnavailableException) when (_refusal is { } refusal && ReferenceEquals(refusal.Multiplexer, multiplexer))
        {
            if (ReferenceEquals(_verified, multiplexer))
            {
                _verified = null;
            }
        }
        catch (Exception ex) when (ex is StateStoreUnavailableException or RedisException or ObjectDisposedException)
        {
            Volatile.Write(ref _verifiedAt, _time.GetTimestamp());
        }
        finally
        {
            Volatile.Write(ref _rechecking, 0);
        }
    }

    // "name:value" lines, skipping "# Memory" headers and blank lines.
    private static Dictionary<string, string> Fields(string info)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in info.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[0] != '#')
            {
                fields[line[..colon]] = line[(colon + 1)..];
            }
        }

        return fields;
    }

    private sealed record Refusal(IConnectionMultiplexer Multiplexer, StateStoreUnavailableException Error, DateTimeOffset At);
}

using System.Diagnostics.Metrics;
using Gateway.Store.Resp;
using Microsoft.Extensions.Logging;

namespace Gateway.Store;

/// <summary>
/// The production <see cref="IStateStore"/>: one shared Redis (7.0 or later; <c>GETDEL</c> needs 6.2),
/// reached through one multiplexed connection. Every call is one round trip: a single command,
/// or a Lua script for the compound operations. Logs are Redis streams whose entry IDs are
/// <c>(index + 1)-0</c>, each entry's text in field <c>e</c>.
/// </summary>
/// <remarks>
/// Connection failures, timeouts and server error replies all surface as
/// <see cref="StateStoreUnavailableException"/> (the latter with the <see cref="RespErrorException"/>
/// inside), so callers fail closed on one exception type.
/// </remarks>
public sealed class RedisStateStore : IStateStore, IAsyncDisposable
{
    private readonly RespClient _client;
    private readonly StateStoreMetrics _metrics;
    private readonly TimeProvider _time;

    public RedisStateStore(RedisStoreOptions options, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = timeProvider ?? TimeProvider.System;
        _client = new RespClient(options, loggerFactory?.CreateLogger<RedisStateStore>(), _time);
        _metrics = new StateStoreMetrics(meterFactory);
    }

    /// <summary>True while the connection to Redis is up.</summary>
    public bool IsConnected => _client.IsConnected;

    public async ValueTask<bool> TrySetIfAbsentAsync(string key, string value, TimeSpan expiry, CancellationToken cancellationToken = default)
    {
        var args = new RespArguments().Add("SET"u8).Add(key).Add(value).Add("NX"u8).Add("PX"u8).Add(Milliseconds(expiry));
        var reply = await ExecuteAsync("set_if_absent", args, cancellationToken).ConfigureAwait(false);
        return !reply.IsNull;
    }

    public async ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var reply = await ExecuteAsync("get", new RespArguments().Add("GET"u8).Add(key), cancellationToken).ConfigureAwait(false);
        return reply.AsString();
    }

    public async ValueTask SetAsync(string key, string value, TimeSpan? expiry, CancellationToken cancellationToken = default)
    {
        var args = new RespArguments().Add("SET"u8).Add(key).Add(value);
        if (expiry is { } e)
        {
            args.Add("PX"u8).Add(Milliseconds(e));
        }

        await ExecuteAsync("set", args, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var reply = await ExecuteAsync("delete", new RespArguments().Add("DEL"u8).Add(key), cancellationToken).ConfigureAwait(false);
        return reply.AsInt64() > 0;
    }

    public async ValueTask<string?> TakeAsync(string key, CancellationToken cancellationToken = default)
    {
        var reply = await ExecuteAsync("take", new RespArguments().Add("GETDEL"u8).Add(key), cancellationToken).ConfigureAwait(false);
        return reply.AsString();
    }

    public async ValueTask<long> IncrementAsync(string key, long delta, TimeSpan? expiry, CancellationToken cancellationToken = default)
    {
        var args = new RespArguments().Add(1).Add(key).Add(delta).Add(expiry is { } e ? Milliseconds(e) : 0);
        var reply = await EvaluateAsync("increment", RedisScripts.Increment, args, cancellationToken).ConfigureAwait(false);
        return reply.AsInt64();
    }

    public async ValueTask<RateLimitOutcome> TryAcquireAsync(IReadOnlyList<RateLimitWindow> windows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0)
        {
            return RateLimitOutcome.Admit;
        }

        var args = new RespArguments().Add(windows.Count);
        foreach (var window in windows)
        {
            args.Add(window.Key);
        }

        foreach (var window in windows)
        {
            args.Add(window.Limit).Add(WindowMilliseconds(window.Window)).Add(window.Permits);
        }

        var reply = await EvaluateAsync("acquire", RedisScripts.Acquire, args, cancellationToken).ConfigureAwait(false);
        var refused = (int)reply.Items[0].AsInt64();
        return refused < 0
            ? RateLimitOutcome.Admit
            : new RateLimitOutcome(false, refused, TimeSpan.FromMilliseconds(reply.Items[1].AsInt64()));
    }

    public async ValueTask<AdmissionOutcome> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.SwitchKeys.Count > AdmissionRequest.MaxSwitchKeys)
        {
            throw new ArgumentException($"At most {AdmissionRequest.MaxSwitchKeys} kill-switch keys per admission.", nameof(request));
        }

        if (!await TrySetIfAbsentAsync(request.NonceKey, request.NonceValue, request.NonceLifetime, cancellationToken).ConfigureAwait(false))
        {
            return new AdmissionOutcome(false, 0, RateLimitOutcome.Admit);
        }

        var switches = 0u;
        for (var i = 0; i < request.SwitchKeys.Count; i++)
        {
            if (await GetAsync(request.SwitchKeys[i], cancellationToken).ConfigureAwait(false) is not null)
            {
                switches |= 1u << i;
            }
        }

        var limited = request.Windows.Count == 0 ? RateLimitOutcome.Admit : await TryAcquireAsync(request.Windows, cancellationToken).ConfigureAwait(false);
        return new AdmissionOutcome(true, switches, limited);
    }

    public async ValueTask<BudgetOutcome> TryReserveAsync(string key, long amount, long limit, TimeSpan window, CancellationToken cancellationToken = default)
    {
        var args = new RespArguments().Add(1).Add(key).Add(amount).Add(limit).Add(WindowMilliseconds(window));
        var reply = await EvaluateAsync("reserve", RedisScripts.Reserve, args, cancellationToken).ConfigureAwait(false);
        return new BudgetOutcome(
            reply.Items[0].AsInt64() == 1,
            reply.Items[1].AsInt64(),
            limit,
            TimeSpan.FromMilliseconds(reply.Items[2].AsInt64()));
    }

    public async ValueTask<long> SettleAsync(string key, long reserved, long actual, TimeSpan window, CancellationToken cancellationToken = default)
    {
        var args = new RespArguments().Add(1).Add(key).Add(actual - reserved).Add(WindowMilliseconds(window));
        var reply = await EvaluateAsync("settle", RedisScripts.Settle, args, cancellationToken).ConfigureAwait(false);
        return reply.AsInt64();
    }

    public async ValueTask<long> SetAddAsync(string key, string member, TimeSpan? expiry, CancellationToken cancellationToken = default)
    {
        var args = new RespArguments().Add(1).Add(key).Add(member).Add(expiry is { } e ? Milliseconds(e) : 0);
        var reply = await EvaluateAsync("set_add", RedisScripts.SetAdd, args, cancellationToken).ConfigureAwait(false);
        return reply.AsInt64();
    }

    public async ValueTask<IReadOnlyList<string>> SetMembersAsync(string key, CancellationToken cancellationToken = default)
    {
        var reply = await ExecuteAsync("set_members", new RespArguments().Add("SMEMBERS"u8).Add(key), cancellationToken).ConfigureAwait(false);
        var members = new string[reply.Items.Count];
        for (var i = 0; i < members.Length; i++)
        {
            members[i] = reply.Items[i].AsString()!;
        }

        Array.Sort(members, StringComparer.Ordinal);
        return members;
    }

    public async ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, string entry, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(expectedLength);
        var args = new RespArguments().Add(1).Add(logKey).Add(expectedLength).Add(entry);
        var reply = await EvaluateAsync("log_append", RedisScripts.Append, args, cancellationToken).ConfigureAwait(false);
        return reply.AsInt64() == 1;
    }

    public async ValueTask<long> LogLengthAsync(string logKey, CancellationToken cancellationToken = default)
    {
        var reply = await ExecuteAsync("log_length", new RespArguments().Add("XLEN"u8).Add(logKey), cancellationToken).ConfigureAwait(false);
        return reply.AsInt64();
    }

    public async ValueTask<IReadOnlyList<string>> ReadLogAsync(string logKey, long start, int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        cancellationToken.ThrowIfCancellationRequested();
        if (count == 0)
        {
            return [];
        }

        // Entry IDs are (index + 1)-0, so "start + 1" seeks straight to index start.
        var args = new RespArguments().Add("XRANGE"u8).Add(logKey).Add(start + 1).Add("+"u8).Add("COUNT"u8).Add(count);
        var reply = await ExecuteAsync("log_read", args, cancellationToken).ConfigureAwait(false);
        var entries = new string[reply.Items.Count];
        for (var i = 0; i < entries.Length; i++)
        {
            // Each item is [id, [field, value]].
            entries[i] = reply.Items[i].Items[1].Items[1].AsString()!;
        }

        return entries;
    }

    public async ValueTask PingAsync(CancellationToken cancellationToken = default) =>
        await ExecuteAsync("ping", new RespArguments().Add("PING"u8), cancellationToken).ConfigureAwait(false);

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    private static long Milliseconds(TimeSpan expiry) => Math.Max(1, (long)Math.Ceiling(expiry.TotalMilliseconds));

    private static long WindowMilliseconds(TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        return Math.Max(1, (long)window.TotalMilliseconds);
    }

    private ValueTask<RespValue> ExecuteAsync(string operation, RespArguments arguments, CancellationToken cancellationToken) =>
        MeasureAsync(operation, (_client, RespCommand.Create(arguments)), static (state, ct) => state._client.ExecuteAsync(state.Item2, ct), cancellationToken);

    private ValueTask<RespValue> EvaluateAsync(string operation, RespScript script, RespArguments arguments, CancellationToken cancellationToken) =>
        MeasureAsync(operation, (_client, script, arguments), static (state, ct) => state._client.EvaluateAsync(state.script, state.arguments, ct), cancellationToken);

    private async ValueTask<RespValue> MeasureAsync<TState>(string operation, TState state, Func<TState, CancellationToken, ValueTask<RespValue>> call, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        try
        {
            return await call(state, cancellationToken).ConfigureAwait(false);
        }
        catch (RespErrorException ex)
        {
            var refused = new StateStoreUnavailableException($"Redis refused {operation}: {ex.Message}", ex);
            _metrics.RecordError(operation, refused);
            throw refused;
        }
        catch (RespProtocolException ex)
        {
            var malformed = new StateStoreUnavailableException($"Redis answered {operation} with an unexpected reply: {ex.Message}", ex);
            _metrics.RecordError(operation, malformed);
            throw malformed;
        }
        catch (Exception ex) when (ex is StateStoreUnavailableException or OperationCanceledException)
        {
            _metrics.RecordError(operation, ex);
            throw;
        }
        finally
        {
            _metrics.RecordDuration(operation, _time.GetElapsedTime(started));
        }
    }
}

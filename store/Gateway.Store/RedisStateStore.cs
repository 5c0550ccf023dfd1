using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using System.Runtime.CompilerServices;

namespace Gateway.Store;

/// <summary>
/// The production <see cref="IStateStore"/>: one shared Redis (7.0 or later; <c>GETDEL</c> needs 6.2),
/// reached through the process's one <see cref="RedisConnection"/> (StackExchange.Redis). Every call
/// is one round trip: a single command, or a Lua script for the compound operations. Logs are Redis
/// streams whose entry IDs are <c>(index + 1)-0</c>, each entry's text in field <c>e</c>.
/// </summary>
/// <remarks>
/// Connection failures, timeouts and server error replies all surface as
/// <see cref="StateStoreUnavailableException"/> (the latter with the <see cref="RedisServerException"/>
/// inside), so callers fail closed on one exception type. Each call waits at most the command timeout.
/// One file per job: this one (connection, calls, errors), <c>.Values</c>, <c>.Admission</c>, <c>.Logs</c> and
/// <c>.Replicas</c> (<c>WAIT</c> and the primaries).
/// </remarks>
public sealed partial class RedisStateStore : IStateStore, IAsyncDisposable
{
    private static readonly RedisValue LogField = "e";
    private readonly RedisConnection _connection;
    private readonly bool _ownsConnection;
    private readonly StateStoreMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly TimeSpan _commandTimeout;
    private readonly CommandDeadlines? _deadlines;
    private readonly bool _batchAdmissions;
    private readonly bool _batchBudgets;
    private readonly int _maxAdmissionBatch;
    private readonly int _shards;
    private readonly RedisTopology _topology;
    private readonly int _replicaAcknowledgements;
    private readonly long _replicaTimeoutMs;
    private readonly RedisScriptChannels? _scriptChannels;

    // Redis Cluster's hash slots: every one must have a primary for the store to serve every tenant.
    private const int ClusterSlots = 16384;

    // RedisStoreOptions.AdmissionShards group commits per hash tag ({tenant}): a script may touch a single Redis Cluster
    // slot, and no one group commit per tenant serializes its requests.
    private readonly ConcurrentDictionary<string, RedisGroupCommit<AdmissionRequest, AdmissionOutcome>[]> _admissions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RedisGroupCommit<PendingSettle, long>[]> _settles = new(StringComparer.Ordinal);

    /// <summary>A store with a connection of its own (closed on dispose).</summary>
    public RedisStateStore(RedisStoreOptions options, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null, TimeProvider? timeProvider = null)
        : this(new RedisConnection(options, loggerFactory, timeProvider), ownsConnection: true, meterFactory, timeProvider)
    {
    }

    /// <summary>A store over the process's shared connection (not closed on dispose).</summary>
    public RedisStateStore(RedisConnection connection, IMeterFactory? meterFactory = null, TimeProvider? timeProvider = null)
        : this(connection, ownsConnection: false, meterFactory, timeProvider)
    {
    }

    private RedisStateStore(RedisConnection connection, bool ownsConnection, IMeterFactory? meterFactory, TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _ownsConnection = ownsConnection;
        _time = timeProvider ?? TimeProvider.System;
        _metrics = new StateStoreMetrics(meterFactory);
        _commandTimeout = connection.Options.CommandTimeout;
        _deadlines = _commandTimeout > TimeSpan.Zero ? new CommandDeadlines(_commandTimeout, _time) : null;
        _batchAdmissions = connection.Options.BatchAdmissions;
        _batchBudgets = connection.Options.BatchBudgets;
        _maxAdmissionBatch = connection.Options.MaxAdmissionBatch;
        _shards = connection.Options.EffectiveAdmissionShards;
        _topology = connection.Options.Topology;
        _replicaAcknowledgements = connection.Options.RequiredReplicaAcknowledgements;
        _replicaTimeoutMs = Math.Max(1, (long)Math.Ceiling(connection.Options.ReplicaAcknowledgementTimeout.TotalMilliseconds));
        _scriptChannels = RedisScriptChannels.For(connection.Options);
    }

    /// <summary>True while the connection to Redis is up.</summary>
    public bool IsConnected => _connection.IsConnected;

    public async ValueTask PingAsync(CancellationToken cancellationToken = default) =>
        await RunAsync("ping", this, static (database, store, _) => store.PingEveryPrimaryAsync(database.Multiplexer, database), cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        _scriptChannels?.Dispose();
        if (_ownsConnection)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static TimeSpan Milliseconds(TimeSpan expiry) => TimeSpan.FromMilliseconds(Math.Max(1, (long)Math.Ceiling(expiry.TotalMilliseconds)));

    private static long WindowMilliseconds(TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        return Math.Max(1, (long)window.TotalMilliseconds);
    }

    // Every script writes (a nonce, a counter, a record...): the first key names the hash slot it ran on.
    private ValueTask<RedisResult> EvaluateAsync(string operation, LuaScript script, RedisKey[] keys, RedisValue[] values, CancellationToken cancellationToken) =>
        RunAsync(operation, (script, keys, values), static (db, s, f) => db.ScriptEvaluateAsync(s.script.ExecutableScript, s.keys, s.values, f), cancellationToken, written: keys[0]);

    /// <summary>
    /// Runs one call on the primary (never a replica: a replica's copy may lag behind a nonce or a kill switch), bounded
    /// by the command timeout. A write names its key (<paramref name="written"/>); with
    /// <see cref="RedisStoreOptions.RequiredReplicaAcknowledgements"/> above zero it succeeds only once the primary
    /// that took it reports it on that many replicas (<see cref="AwaitReplicasAsync"/>), within the same timeout.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<TResult> RunAsync<TState, TResult>(string operation, TState state, Func<IDatabaseAsync, TState, CommandFlags, Task<TResult>> call, CancellationToken cancellationToken, RedisKey? written = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var started = _time.GetTimestamp();
        try
        {
            var multiplexer = await _connection.GetMultiplexerAsync(cancellationToken).ConfigureAwait(false);
            var database = multiplexer.GetDatabase();
            var reply = written is { } key && _replicaAcknowledgements > 0
                ? WriteAndAwaitReplicasAsync(multiplexer, database, state, call, key)
                : call(database, state, CommandFlags.DemandMaster);

            // StackExchange.Redis checks its own timeouts on a timer every second; this bound is within a slice of exact.
            // A call the caller may cancel keeps its own timer; the others share one per slice of time (CommandDeadlines).
            if (cancellationToken.CanBeCanceled || _deadlines is null)
            {
                return await reply.WaitAsync(_commandTimeout, _time, cancellationToken).ConfigureAwait(false);
            }

            if (reply.IsCompleted)
            {
                return await reply.ConfigureAwait(false);
            }

            var deadline = _deadlines.Next();
            try
            {
                return await reply.WaitAsync(deadline).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"The call did not complete within {_commandTimeout.TotalMilliseconds:0} ms.", ex);
            }
        }
        catch (Exception ex) when (ex is TimeoutException or RedisException or RedisCommandException)
        {
            // RedisCommandException: the client found no server fit for the call (a primary it knows of only as the replica it was).
            throw Unavailable(operation, ex);
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

    /// <summary>The store's refusal for a call that failed with <paramref name="error"/>, counted against the operation.</summary>
    private StateStoreUnavailableException Unavailable(string operation, Exception error) => Record(operation, error switch
    {
        TimeoutException => new StateStoreUnavailableException($"Redis at {_connection.Endpoint} did not answer {operation} within {_commandTimeout.TotalMilliseconds:0} ms.", error),
        RedisServerException => new StateStoreUnavailableException($"Redis refused {operation}: {error.Message}", error),
        RedisException or RedisCommandException => _connection.Unavailable(error),
        _ => new StateStoreUnavailableException($"Redis at {_connection.Endpoint} is unavailable: {error.Message}", error),
    });

    private StateStoreUnavailableException Record(string operation, StateStoreUnavailableException error)
    {
        _metrics.RecordError(operation, error);
        return error;
    }
}
